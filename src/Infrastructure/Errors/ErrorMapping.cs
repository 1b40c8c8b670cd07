using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace Conduit.Infrastructure.Errors;

/// <summary>
/// The one place that decides how a failure looks on the wire. Anything not listed here is a bug
/// and becomes a generic 500.
/// </summary>
internal static partial class ErrorMapping
{
    public static (int Status, ErrorEnvelope Body)? Map(Exception exception) => exception switch
    {
        ApiException api => (api.Status, api.Body),
        BadHttpRequestException bad => MapBadRequest(bad),
        PostgresException pg => MapPostgres(pg),
        // Not a PostgresException: the server could not be reached, the pool timed out, the socket broke.
        NpgsqlException => (StatusCodes.Status503ServiceUnavailable, ErrorEnvelope.Of("database", "is unavailable")),
        // Cancelled by the server, not the client (which the middleware filters out): shutdown or a timeout.
        OperationCanceledException => (StatusCodes.Status503ServiceUnavailable, ErrorEnvelope.Of("server", "is unavailable; retry")),
        _ => null,
    };

    private static (int, ErrorEnvelope) MapBadRequest(BadHttpRequestException bad)
    {
        switch (bad.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                return (bad.StatusCode, ErrorEnvelope.Of("body", "is too large"));
            case StatusCodes.Status415UnsupportedMediaType:
                return (bad.StatusCode, ErrorEnvelope.Of("body", "must be application/json"));
        }

        if (bad.InnerException is JsonException json)
        {
            return (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of(JsonKey(json.Path), "is invalid"));
        }

        // "Required parameter ... was not provided from body" / "Implicit body inferred ... but no body was provided"
        if (bad.Message.Contains("body", StringComparison.Ordinal) && bad.Message.Contains("not provided", StringComparison.Ordinal)
            || bad.Message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of("body", "can't be blank"));
        }

        // "Failed to bind parameter "int? limit" from "abc"."
        var parameter = ParameterPattern().Match(bad.Message);
        if (parameter.Success)
        {
            // [AsParameters] records name the parameter after the property (Limit); the client sent ?limit=.
            return (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of(JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups["name"].Value), "is invalid"));
        }

        return (StatusCodes.Status400BadRequest, ErrorEnvelope.Of("request", "is invalid"));
    }

    private static (int, ErrorEnvelope)? MapPostgres(PostgresException pg) => pg.SqlState switch
    {
        // Unique indexes are named <table>_<field>_key; the field is what the client sent twice.
        PostgresErrorCodes.UniqueViolation => (StatusCodes.Status409Conflict, ErrorEnvelope.Of(UniqueField(pg.ConstraintName), "has already been taken")),
        // A row we point at vanished between our read and our write (a concurrent delete).
        PostgresErrorCodes.ForeignKeyViolation when pg.ConstraintName?.Contains("article_id", StringComparison.Ordinal) == true
            => (StatusCodes.Status404NotFound, ErrorEnvelope.Of("article", "not found")),
        PostgresErrorCodes.ForeignKeyViolation
            => (StatusCodes.Status401Unauthorized, ErrorEnvelope.Of("token", "is invalid")),
        // NUL bytes and text PostgreSQL cannot store.
        PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
            => (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of("body", "contains invalid characters")),
        PostgresErrorCodes.StringDataRightTruncation or PostgresErrorCodes.NumericValueOutOfRange
            => (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of("body", "is invalid")),
        // Content beyond what PostgreSQL can process (a text-search query or an index row too large): the input's
        // fault, never worth a 500; the use cases refuse what they know of before it gets here.
        PostgresErrorCodes.ProgramLimitExceeded
            => (StatusCodes.Status422UnprocessableEntity, ErrorEnvelope.Of("request", "is too complex")),
        _ when pg.IsTransient => (StatusCodes.Status503ServiceUnavailable, ErrorEnvelope.Of("database", "is unavailable")),
        _ => null,
    };

    internal static string UniqueField(string? constraint)
    {
        if (constraint is null || !constraint.EndsWith("_key", StringComparison.Ordinal))
        {
            return "body";
        }

        var table = constraint.IndexOf('_', StringComparison.Ordinal);
        return table < 0 ? "body" : constraint[(table + 1)..^4];
    }

    internal static string JsonKey(string? path)
    {
        var match = path is null ? Match.Empty : JsonPathPattern().Match(path);
        return match.Success ? match.Groups["name"].Value : "body";
    }

    [GeneratedRegex("""\.(?<name>\w+)(\[\d+\])?$""")]
    private static partial Regex JsonPathPattern();

    [GeneratedRegex("""parameter "(?:[^"]* )?(?<name>\w+)\x22""")]
    private static partial Regex ParameterPattern();
}
