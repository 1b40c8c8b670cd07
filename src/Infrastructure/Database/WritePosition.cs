using Npgsql;

namespace Conduit.Infrastructure.Database;

/// <summary>How far the primary's writes had gone: the last change number (migration 0006) and the WAL position.</summary>
public readonly record struct Position(long Change, long Wal);

/// <summary>
/// Where the primary's writes stood after the current request arrived: everything a client saw acknowledged
/// before it sent this request is at or before it. A read served from memory or from the replica must have
/// caught up with it; that is what makes a client's next read show its own write on any instance.
/// Concurrent requests share one read of it, as long as that read started after they arrived (one that
/// began earlier could predate a write the client has already seen acknowledged).
/// </summary>
public sealed class WritePosition(NpgsqlDataSource primary, TimeProvider time)
{
    // The insert position, not the write position: with asynchronous commit a commit record can be
    // inserted (visible) before it is written out.
    private const string Sql = """
        SELECT CASE WHEN is_called THEN last_value ELSE 0 END, (pg_current_wal_insert_lsn() - '0/0')::bigint
        FROM content_change
        """;

    // Flow-local: set on the first OfThisRequestAsync of a request (by ReadRoutingBehaviour or ReadCacheBehaviour),
    // read by every later one in the same request, so a request's nested reads wait for one and the same position.
    private static readonly AsyncLocal<Task<Position>?> OfThisRequest = new();

    private readonly Lock gate = new();
    private Task<Position>? inFlight;
    private long inFlightStarted;

    /// <summary>Read once per request flow (an inner query of a use case reuses its request's position).</summary>
    public Task<Position> OfThisRequestAsync() => OfThisRequest.Value ??= Latest();

    private Task<Position> Latest()
    {
        var arrived = time.GetTimestamp();
        lock (gate)
        {
            if (inFlight is { IsCompleted: false } shared && inFlightStarted >= arrived)
            {
                return shared;
            }

            inFlightStarted = time.GetTimestamp();
            return inFlight = ReadAsync();
        }
    }

    // Not cancelled by one caller's abort: others may be waiting on the same read.
    private async Task<Position> ReadAsync()
    {
        await using var connection = await primary.OpenConnectionAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        await reader.ReadAsync(CancellationToken.None);
        return new Position(reader.GetInt64(0), reader.GetInt64(1));
    }
}
