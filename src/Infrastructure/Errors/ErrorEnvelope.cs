namespace Conduit.Infrastructure.Errors;

/// <summary>The contract's error body: <c>{"errors":{"field":["message", ...]}}</c>.</summary>
public sealed record ErrorEnvelope(IReadOnlyDictionary<string, string[]> Errors)
{
    public static ErrorEnvelope Of(string key, string message) => new(new Dictionary<string, string[]> { [key] = [message] });
}
