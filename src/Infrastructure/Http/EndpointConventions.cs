using Conduit.Infrastructure.Errors;

namespace Conduit.Infrastructure.Http;

/// <summary>OpenAPI metadata for the contract's error responses, declared once per endpoint.</summary>
public static class EndpointConventions
{
    /// <summary>The metadata the OpenAPI document turns into the <c>Token</c> security requirement.</summary>
    public sealed class TokenRequired;

    public static RouteHandlerBuilder WithErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ErrorEnvelope>(status);
        }

        return builder;
    }

    public static RouteHandlerBuilder RequiresToken(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new TokenRequired()).WithErrors(StatusCodes.Status401Unauthorized);
}
