using System.Globalization;

namespace Conduit.Infrastructure.Errors;

/// <summary>
/// An expected failure of a use case: the HTTP status and the contract's error body. The error
/// middleware writes it as is; the message never reaches the client.
/// </summary>
public sealed class ApiException(int status, ErrorEnvelope body) : Exception($"HTTP {status}")
{
    public int Status { get; } = status;

    public ErrorEnvelope Body { get; } = body;

    /// <summary>Sent as <c>Retry-After</c>: when trying again can succeed.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public static ApiException NotFound(string key) => new(StatusCodes.Status404NotFound, ErrorEnvelope.Of(key, "not found"));

    public static ApiException Forbidden(string key) => new(StatusCodes.Status403Forbidden, ErrorEnvelope.Of(key, "forbidden"));

    public static ApiException Unauthorized(string key, string message) => new(StatusCodes.Status401Unauthorized, ErrorEnvelope.Of(key, message));

    public static ApiException TooManyRequests(TimeSpan retryAfter) => TooManyRequests(retryAfter, "request", "too many attempts; retry in {0} s");

    /// <summary>429 with <c>Retry-After</c> in whole seconds, rounded up, at least 1; <paramref name="message"/>'s <c>{0}</c> is that number.</summary>
    public static ApiException TooManyRequests(TimeSpan retryAfter, string key, string message)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        return new(StatusCodes.Status429TooManyRequests, ErrorEnvelope.Of(key, string.Format(CultureInfo.InvariantCulture, message, seconds))) { RetryAfter = TimeSpan.FromSeconds(seconds) };
    }

    /// <summary>412: the client's <c>If-Match</c> names a version that is no longer current; nothing was changed.</summary>
    public static ApiException PreconditionFailed(string key) =>
        new(StatusCodes.Status412PreconditionFailed, ErrorEnvelope.Of(key, "was changed since you read it; read it again"));

    public static ApiException Invalid(ErrorEnvelope errors) => new(StatusCodes.Status422UnprocessableEntity, errors);
}
