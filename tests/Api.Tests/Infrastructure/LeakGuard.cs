using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Conduit.Tests.Infrastructure;

/// <summary>
/// Checks every response that passes through <see cref="ConduitClient"/>, so the whole test run is a
/// leak scan: no member named like a password or hash anywhere; in error bodies no stack trace, no SQL,
/// no exception or library type names. Success bodies may echo user text (an article titled
/// "SELECT * FROM users" is legitimate), so only their member names are checked.
/// </summary>
public static partial class LeakGuard
{
    private static long checkedResponses;

    /// <summary>Responses scanned so far in this test run.</summary>
    public static long CheckedResponses => Interlocked.Read(ref checkedResponses);

    public static void Check(HttpStatusCode status, JsonNode? json, string text)
    {
        Interlocked.Increment(ref checkedResponses);
        if (json is not null)
        {
            foreach (var name in MemberNames(json))
            {
                if (SecretName().IsMatch(name))
                {
                    throw new InvalidOperationException($"Response member \"{name}\" looks like a secret: {text}");
                }
            }
        }

        if ((int)status >= 400 && InternalDetail().Match(text) is { Success: true } leak)
        {
            throw new InvalidOperationException($"Error body leaks internals (\"{leak.Value}\"): {text}");
        }
    }

    /// <summary>Every member name, except the keys of <c>errors</c>: the contract names the offending field there.</summary>
    private static IEnumerable<string> MemberNames(JsonNode node) => node switch
    {
        JsonObject members => members.SelectMany(member =>
            member.Key == "errors" || member.Value is null ? [member.Key] : MemberNames(member.Value).Prepend(member.Key)),
        JsonArray items => items.Where(item => item is not null).SelectMany(item => MemberNames(item!)),
        _ => [],
    };

    [GeneratedRegex("password|hash|secret|salt", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\bat [\w.]+\(|\.cs:line|Exception|Npgsql|Postgres|Dapper|FluentValidation|Mediator|System\.|Microsoft\.|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b|syntax error|violates|constraint", RegexOptions.IgnoreCase)]
    private static partial Regex InternalDetail();
}
