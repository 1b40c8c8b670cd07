using System.Collections.Concurrent;
using Conduit.Infrastructure.Notifications;
using Dapper;
using Npgsql;

namespace Conduit.Infrastructure.Auth;

/// <summary>
/// The ended sessions, mirrored in memory so that checking a token costs no round trip. The trigger of
/// migration 0007 NOTIFYs every revocation on <see cref="ChannelName"/>; each (re)connection of the
/// listener reloads the whole set. While the mirror cannot be trusted (not yet loaded, or the stream
/// lost) every check asks the database instead: slower, never wrong.
/// </summary>
public sealed class RevokedSessions(NpgsqlDataSource db) : IChannelListener
{
    public const string ChannelName = "session_revoked";

    private const string AllSql = "SELECT id FROM sessions WHERE revoked_at IS NOT NULL";

    // A session that is not there (pruned only once its tokens have expired) has nothing left to let in.
    private const string OneSql = "SELECT NOT EXISTS (SELECT 1 FROM sessions WHERE id = @Id AND revoked_at IS NULL)";

    private volatile ConcurrentDictionary<Guid, byte>? mirror;

    public string Channel => ChannelName;

    /// <summary>True while checks are answered from memory (for tests and health).</summary>
    public bool Mirrored => mirror is not null;

    public ValueTask<bool> IsRevokedAsync(Guid sessionId, CancellationToken cancellationToken) =>
        mirror is { } revoked ? ValueTask.FromResult(revoked.ContainsKey(sessionId)) : AskDatabaseAsync(sessionId, cancellationToken);

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
