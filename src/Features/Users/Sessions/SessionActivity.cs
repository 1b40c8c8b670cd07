using System.Collections.Concurrent;
using Conduit.Infrastructure.Auth;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Users.Sessions;

/// <summary>
/// When each session was last seen, collected in memory per request and written in one statement per
/// <see cref="SessionsOptions.LastSeenFlushInterval"/>: a busy session costs one row update per interval,
/// not one per request. A crash loses at most one interval of last-seen times, which only the session
/// list shows (and pruning, which keeps a margin far larger than the interval).
/// </summary>
public sealed class SessionActivity(TimeProvider time)
{
    private ConcurrentDictionary<Guid, DateTime> seen = new();

    public void Seen(Guid sessionId) => seen[sessionId] = time.GetUtcNow().UtcDateTime;

    internal IReadOnlyCollection<KeyValuePair<Guid, DateTime>> Take() => Interlocked.Exchange(ref seen, new ConcurrentDictionary<Guid, DateTime>());
}

/// <summary>Writes the collected last-seen times, and now and then deletes sessions nothing can use any more (any instance may).</summary>
internal sealed partial class SessionUpkeep(
    NpgsqlDataSource db,
    SessionActivity activity,
    IOptions<SessionsOptions> sessions,
    IOptions<JwtOptions> jwt,
    ILogger<SessionUpkeep> logger) : BackgroundService
{
    private const string FlushSql = """
        UPDATE sessions s SET last_seen_at = greatest(s.last_seen_at, v.seen)
        FROM unnest(@Ids, @Seen) AS v(id, seen)
        WHERE s.id = v.id
        """;

    // Every access token of a session was issued at or before its last use (sign-in, refresh and the user
    // endpoints all count as use) or its revocation, and the token check refuses tokens older than
    // Jwt:Lifetime: past that, plus a margin for unflushed activity, nothing of the session can get in.
    // Revoked rows must stay until then, or their tokens would drop out of the revoked set.
    private const string PruneSql = """
        DELETE FROM sessions
        WHERE last_seen_at < now() - @Unused
          AND (revoked_at < now() - @Unused
               OR revoked_at IS NULL AND (refreshed_at < now() - @Idle OR created_at < now() - @Absolute))
        """;

    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = sessions.Value;
        using var timer = new PeriodicTimer(settings.LastSeenFlushInterval);
        var nextPrune = DateTime.UtcNow + PruneEvery;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
                if (DateTime.UtcNow >= nextPrune)
                {
                    nextPrune = DateTime.UtcNow + PruneEvery;
                    await PruneAsync(settings, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what was seen since the last tick still goes out.
        }

        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await FlushAsync(last.Token);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = activity.Take();
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                FlushSql, new { Ids = batch.Select(entry => entry.Key).ToArray(), Seen = batch.Select(entry => entry.Value).ToArray() }, cancellationToken: cancellationToken));
        }
        catch (Exception failure) when (failure is NpgsqlException or OperationCanceledException)
        {
            LogFailed(logger, "Recording last-seen times", failure.Message);
        }
    }

    private async Task PruneAsync(SessionsOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                PruneSql,
                new { Unused = jwt.Value.Lifetime + Margin, Idle = settings.RefreshIdleLifetime, Absolute = settings.RefreshAbsoluteLifetime },
                cancellationToken: cancellationToken));
        }
        catch (NpgsqlException failure)
        {
            LogFailed(logger, "Pruning sessions", failure.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Work} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string work, string reason);
}
