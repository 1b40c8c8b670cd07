using Npgsql;

namespace Conduit.Infrastructure.Database;

/// <summary>
/// The optional streaming replica (<c>ConnectionStrings:ReadReplica</c>). A replica that fails is left alone
/// for a second, so an outage costs each instance one failed attempt per second, not one per request.
/// </summary>
public sealed class ReadReplica(NpgsqlDataSource? source, TimeProvider time) : IAsyncDisposable
{
    private static readonly TimeSpan RestAfterFailure = TimeSpan.FromSeconds(1);

    private long restUntil;

    /// <summary>The replica when one is configured and not resting after a failure; otherwise null.</summary>
    public NpgsqlDataSource? Available =>
        source is not null && time.GetTimestamp() >= Interlocked.Read(ref restUntil) ? source : null;

    public void Failed() =>
        Interlocked.Exchange(ref restUntil, time.GetTimestamp() + (long)(RestAfterFailure.TotalSeconds * time.TimestampFrequency));

    public ValueTask DisposeAsync() => source?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// What query handlers read from: the replica while <see cref="Pipeline.ReadRoutingBehaviour{TMessage, TResponse}"/>
/// routes the current query there, the primary otherwise.
/// </summary>
public sealed class ReadDatabase(NpgsqlDataSource primary, ReadReplica replica)
{
    private static readonly AsyncLocal<Route?> Current = new();

    public NpgsqlDataSource Source
    {
        get
        {
            var route = Current.Value;
            if (route is { ToReplica: true } && replica.Available is { } source)
            {
                route.UsedReplica = true;
                return source;
            }

            return primary;
        }
    }

    /// <summary>Sends the queries of the current flow to the replica (when available) until the route ends.</summary>
    internal static Route ToReplica() => Current.Value = new Route();

    internal sealed class Route
    {
        public bool ToReplica { get; set; } = true;

        public bool UsedReplica { get; set; }
    }
}
