using Npgsql;

namespace Conduit.Infrastructure.Database;

/// <summary>
/// The optional streaming replica (<c>ConnectionStrings:ReadReplica</c>), with how far it has replayed the
/// primary's WAL (sampled every few milliseconds). A read may go there only once the replica has replayed
/// past the request's <see cref="WritePosition"/>. A replica that fails rests for a second, so an outage
/// costs each instance one failed attempt per second, not one per request.
/// </summary>
public sealed partial class ReadReplica(NpgsqlDataSource? source, TimeProvider time, ILogger<ReadReplica> logger) : BackgroundService
{
    private const string ReplayedSql = "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint";
    private static readonly TimeSpan RestAfterFailure = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(5);

    private long restUntil;
    private long replayed = -1;

    public bool Configured => source is not null;

    /// <summary>The replica, when it is up and has replayed everything up to <paramref name="wal"/>; otherwise null.</summary>
    public NpgsqlDataSource? CaughtUpWith(long wal) =>
        source is not null && Interlocked.Read(ref replayed) >= wal && time.GetTimestamp() >= Interlocked.Read(ref restUntil) ? source : null;

    public void Failed()
    {
        Interlocked.Exchange(ref restUntil, time.GetTimestamp() + (long)(RestAfterFailure.TotalSeconds * time.TimestampFrequency));
        Interlocked.Exchange(ref replayed, -1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (source is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(SampleEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var command = source.CreateCommand(ReplayedSql);
                // NULL: not a standby (misconfigured), so never "caught up".
                var position = await command.ExecuteScalarAsync(stoppingToken);
                Interlocked.Exchange(ref replayed, position is long wal ? wal : -1);
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException)
            {
                if (Interlocked.Exchange(ref replayed, -1) >= 0)
                {
                    LogUnavailable(logger, failure.Message);
                }

                await Task.Delay(RestAfterFailure, time, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        source?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read replica unavailable ({Reason}); reads go to the primary")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}

/// <summary>
/// What query handlers read from: the replica while <see cref="Pipeline.ReadRoutingBehaviour{TMessage, TResponse}"/>
/// routes the current query there and the replica has caught up with the request, the primary otherwise.
/// </summary>
public sealed class ReadDatabase(NpgsqlDataSource primary, ReadReplica replica)
{
    // Flow-local: set by ReadRoutingBehaviour (ToReplica) for an anonymous query and by ReadCacheBehaviour (ToPrimary)
    // for a cache fill, read here by the handler's Source; a nested request's value never leaks out to its caller.
    private static readonly AsyncLocal<Route?> Current = new();

    public NpgsqlDataSource Source
    {
        get
        {
            var route = Current.Value;
            if (route is { ToReplica: true } && replica.CaughtUpWith(route.Wal) is { } source)
            {
                route.UsedReplica = true;
                return source;
            }

            return primary;
        }
    }

    /// <summary>Sends the queries of the current flow to the replica (once it has replayed <paramref name="wal"/>) until the route ends.</summary>
    internal static Route ToReplica(long wal) => Current.Value = new Route(wal);

    /// <summary>Sends the queries of the current flow (from here on, in this async method and below) to the primary.</summary>
    public static void ToPrimary() => Current.Value = null;

    internal sealed class Route(long wal)
    {
        public long Wal { get; } = wal;

        public bool ToReplica { get; set; } = true;

        public bool UsedReplica { get; set; }
    }
}
