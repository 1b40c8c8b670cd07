namespace Conduit.Infrastructure.Auth;

/// <summary>
/// What the token check asks about the session a token names (<c>sid</c>). Sessions are the Users area's
/// (src/Features/Users/Sessions); this is all the mechanism knows of them. May throw <c>NpgsqlException</c> when
/// neither its memory nor the database can answer: the request then gets 503, never a wrong yes.
/// </summary>
public interface ISessionCheck
{
    /// <summary>True while the session has not ended.</summary>
    ValueTask<bool> IsActiveAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// True when an access token of the session issued at <paramref name="issuedAt"/> may still be used: the session has
    /// not ended and the token is within the session's lifetimes (<paramref name="sessionStarted"/> is its
    /// <c>auth_time</c>, absent in tokens issued before it existed). Counts as the session's use.
    /// </summary>
    ValueTask<bool> AcceptsAsync(Guid sessionId, DateTime issuedAt, DateTime? sessionStarted, CancellationToken cancellationToken);
}
