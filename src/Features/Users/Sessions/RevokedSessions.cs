using System.Collections.Concurrent;
using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Notifications;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Users.Sessions;

/// <summary>
/// The token check's answer about sessions (<see cref="ISessionCheck"/>): the ended sessions, mirrored in memory so
/// that checking a token costs no round trip, and the lifetimes. The trigger of migration 0007 NOTIFYs every
/// revocation on <see cref="Channels.SessionRevoked"/>; each (re)connection of the listener reloads the whole set.
/// While the mirror cannot be trusted (not yet loaded, or the stream lost) every check asks the database instead:
/// slower, never wrong.
/// </summary>
public sealed class RevokedSessions(NpgsqlDataSource db, SessionActivity activity, IOptions<SessionsOptions> options, TimeProvider time)
    : IChannelListener, ISessionCheck
{
    private const string AllSql = "SELECT id FROM sessions WHERE revoked_at IS NOT NULL";

    // A session that is not there (pruned only once its tokens have expired) has nothing left to let in.
    private const string OneSql = "SELECT NOT EXISTS (SELECT 1 FROM sessions WHERE id = @Id AND revoked_at IS NULL)";

    private volatile ConcurrentDictionary<Guid, byte>? mirror;

    public string Channel => Channels.SessionRevoked;

    /// <summary>True while checks are answered from memory (for tests and health).</summary>
    public bool Mirrored => mirror is not null;

    public async ValueTask<bool> IsActiveAsync(Guid sessionId, CancellationToken cancellationToken) =>
        !(mirror is { } revoked ? revoked.ContainsKey(sessionId) : await AskDatabaseAsync(sessionId, cancellationToken));

    public async ValueTask<bool> AcceptsAsync(Guid sessionId, DateTime issuedAt, DateTime? sessionStarted, CancellationToken cancellationToken)
    {
        // Lifetimes as configured now, so shortening one applies to tokens already issued: none outlives its refresh
        // token's idle lifetime (counted from the sign-in or refresh that issued it) or the session's absolute lifetime.
        var now = time.GetUtcNow().UtcDateTime;
        var settings = options.Value;
        if (issuedAt + settings.RefreshIdleLifetime + AuthSetup.TokenSkew < now
            || sessionStarted + settings.RefreshAbsoluteLifetime + AuthSetup.TokenSkew < now
            || !await IsActiveAsync(sessionId, cancellationToken))
        {
            return false;
        }

        activity.Seen(sessionId);
        return true;
    }

    public void OnNotification(string payload)
    {
        if (Guid.TryParse(payload, out var id))
        {
            mirror?.TryAdd(id, 0);
        }
    }

    public async Task OnConnected(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition(AllSql, cancellationToken: cancellationToken));
        mirror = new ConcurrentDictionary<Guid, byte>(ids.Select(id => KeyValuePair.Create(id, (byte)0)));
    }

    public void OnDisconnected() => mirror = null;

    private async ValueTask<bool> AskDatabaseAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(OneSql, new { Id = sessionId }, cancellationToken: cancellationToken));
    }
}
