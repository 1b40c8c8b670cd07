using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Conduit.Features.Shared;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Notifications;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Live.Streams;

/// <summary>One event of the outbox (migration 0009); <see cref="Data"/> is its JSON, shared by every stream that sends it.</summary>
public sealed record LiveEvent(long Id, string Topic, string Type, string Data, DateTime CreatedAt)
{
    private byte[]? frame;

    /// <summary>The event as the wire carries it, made once for all the streams that send it (a race makes it twice, harmlessly).</summary>
    public byte[] Frame => frame ??= Render();

    private byte[] Render()
    {
        var text = new StringBuilder(Data.Length + 64).Append(CultureInfo.InvariantCulture, $"id: {Id}\nevent: {Type}\n");
        // JSON from the database has no raw line breaks; should one appear, each line is a data line of its own.
        foreach (var part in Data.Split('\n'))
        {
            text.Append("data: ").Append(part.TrimEnd('\r')).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.Append('\n').ToString());
    }
}

/// <summary>
/// This instance's side of the outbox: one reader that follows <c>live_events</c> by id (woken by
/// <c>NOTIFY conduit_live</c>, and every few seconds anyway) and hands each event to the streams open on its
/// topic here. Ids are in commit order (the migration's lock), so "everything after id n" is exact: a stream
/// registers, learns the reader's position, and gets everything after it. While the database is away the
/// reader retries and the streams stay open; it resumes from its position, so nothing is lost.
/// </summary>
public sealed partial class LiveHub(
    NpgsqlDataSource db,
    IOptions<LiveOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<LiveHub> logger) : BackgroundService, IChannelListener
{

    private const int Page = 1000;

    // Every event, so that the position moves past the hidden ones too; only those live_shown() lets through
    // at the time of reading are handed on (a suspended author's content, migration 0017).
    private const string NextSql = """
        SELECT id, topic, type, data, created_at AS createdat, live_shown(type, article_id, comment_id) AS shown
        FROM live_events WHERE id > @After ORDER BY id LIMIT @Limit
        """;

    private const string TopicSql = """
        SELECT id, topic, type, data, created_at AS createdat FROM live_events
        WHERE topic = @Topic AND id > @After AND live_shown(type, article_id, comment_id) ORDER BY id LIMIT @Limit
        """;

    // The newest id there is (or was, before pruning), and the highest id pruning has deleted.
    private const string PositionSql = """
        SELECT greatest((SELECT coalesce(max(id), 0) FROM live_events), pruned_through) AS newest, pruned_through
        FROM live_horizon
        """;

    private const string EndedSql = "SELECT id FROM sessions WHERE id = ANY(@Ids) AND revoked_at IS NOT NULL";

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(1);

    private readonly Lock gate = new();
    private readonly Dictionary<string, List<LiveSubscriber>> byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> perKey = new(StringComparer.Ordinal);
    private readonly Channel<bool> wake = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long cursor = -1;
    private bool stopping;

    public string Channel => Channels.LiveEvents;

    /// <summary>The last id handed to the streams; -1 until the first connection to the database.</summary>
    public long Cursor => Interlocked.Read(ref cursor);

    public int OpenStreams
    {
        get
        {
            lock (gate)
            {
                return byTopic.Values.Sum(list => list.Count);
            }
        }
    }

    /// <summary>
    /// Opens a stream on <paramref name="topic"/> within the caps, or throws 429 (503 while this instance
    /// cannot follow the outbox yet, or is shutting down). <see cref="LiveSubscriber.After"/> is the reader's
    /// position: the stream receives every event after it.
    /// </summary>
    public LiveSubscriber Subscribe(string topic, long? userId, Guid? sessionId, string address)
    {
        var settings = options.Value;
        string[] keys = userId is { } user ? [$"u:{user}", $"a:{address}"] : [$"a:{address}"];
        lock (gate)
        {
            if (stopping || cursor < 0)
            {
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, ErrorEnvelope.Of("stream", "is unavailable"));
            }

            if ((userId is not null && perKey.GetValueOrDefault(keys[0]) >= settings.MaxStreamsPerUser)
                || perKey.GetValueOrDefault(keys[^1]) >= settings.MaxStreamsPerAddress)
            {
                throw new ApiException(StatusCodes.Status429TooManyRequests, ErrorEnvelope.Of("stream", "too many open streams"));
            }

            foreach (var key in keys)
            {
                perKey[key] = perKey.GetValueOrDefault(key) + 1;
            }

            var subscriber = new LiveSubscriber(this, topic, sessionId, keys, settings.QueueLength, cursor);
            if (!byTopic.TryGetValue(topic, out var list))
            {
                byTopic[topic] = list = [];
            }

            list.Add(subscriber);
            LiveMetrics.StreamOpened();
            return subscriber;
        }
    }

    internal void Unsubscribe(LiveSubscriber subscriber)
    {
        lock (gate)
        {
            if (!byTopic.TryGetValue(subscriber.Topic, out var list) || !list.Remove(subscriber))
            {
                return;
            }

            if (list.Count == 0)
            {
                byTopic.Remove(subscriber.Topic);
            }

            foreach (var key in subscriber.Keys)
            {
                if ((perKey[key] -= 1) == 0)
                {
                    perKey.Remove(key);
                }
            }

            LiveMetrics.StreamClosed();
        }
    }

    /// <summary>(newest id, highest pruned id) from the database: what a Last-Event-ID is checked against.</summary>
    public async Task<(long Newest, long PrunedThrough)> PositionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(PositionSql, cancellationToken: cancellationToken));
    }

    /// <summary>One page of <paramref name="topic"/>'s events after <paramref name="after"/>, oldest first: a resuming stream's catch-up.</summary>
    public async Task<IReadOnlyList<LiveEvent>> ReadAsync(string topic, long after, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LiveEvent>(new CommandDefinition(TopicSql, new { Topic = topic, After = after, Limit = Page }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Ends the streams of an ended session (a revocation seen by <see cref="LiveSessionWatch"/>).</summary>
    internal void EndSession(Guid sessionId) => EndWhere(subscriber => subscriber.SessionId == sessionId, LiveEnd.SessionEnded);

    internal async Task EndRevokedAsync(CancellationToken cancellationToken)
    {
        Guid[] sessions;
        lock (gate)
        {
            sessions = [.. byTopic.Values.SelectMany(list => list).Select(subscriber => subscriber.SessionId).OfType<Guid>().Distinct()];
        }

        if (sessions.Length == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var ended = (await connection.QueryAsync<Guid>(new CommandDefinition(EndedSql, new { Ids = sessions }, cancellationToken: cancellationToken))).ToHashSet();
        EndWhere(subscriber => subscriber.SessionId is { } id && ended.Contains(id), LiveEnd.SessionEnded);
    }

    public void OnNotification(string payload) => wake.Writer.TryWrite(true);

    public async Task OnConnected(CancellationToken cancellationToken)
    {
        if (Cursor < 0)
        {
            var (newest, _) = await PositionAsync(cancellationToken);
            lock (gate)
            {
                cursor = newest;
            }
        }

        // Whatever committed while nobody listened is in the table: read it now.
        wake.Writer.TryWrite(true);
    }

    public void OnDisconnected()
    {
        // Nothing to forget: the position is ours, and the table still holds what comes meanwhile.
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = lifetime.ApplicationStopping.Register(() => EndWhere(_ => true, LiveEnd.ShuttingDown, stop: true));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(Poll);
                await wake.Reader.WaitToReadAsync(timeout.Token);
                wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll: a safety net should a notification ever be missed.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await DrainAsync(stoppingToken);
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException or IOException)
            {
                LogUnavailable(logger, failure.Message);
                await Task.Delay(Backoff, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                wake.Writer.TryWrite(true);
            }
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (Cursor >= 0)
        {
            List<Outboxed> events;
            await using (var connection = await db.OpenConnectionAsync(cancellationToken))
            {
                events = (await connection.QueryAsync<Outboxed>(new CommandDefinition(NextSql, new { After = Cursor, Limit = Page }, cancellationToken: cancellationToken))).AsList();
            }

            foreach (var row in events)
            {
                lock (gate)
                {
                    if (row.Shown && byTopic.TryGetValue(row.Topic, out var list))
                    {
                        var live = new LiveEvent(row.Id, row.Topic, row.Type, row.Data, row.CreatedAt);
                        foreach (var subscriber in list)
                        {
                            subscriber.Offer(live);
                        }
                    }

                    cursor = row.Id;
                }
            }

            if (events.Count < Page)
            {
                return;
            }
        }
    }

    private void EndWhere(Func<LiveSubscriber, bool> which, LiveEnd reason, bool stop = false)
    {
        LiveSubscriber[] ending;
        lock (gate)
        {
            stopping |= stop;
            ending = [.. byTopic.Values.SelectMany(list => list).Where(which)];
        }

        foreach (var subscriber in ending)
        {
            subscriber.End(reason);
        }
    }

    /// <summary>A row of the outbox as the reader reads it: <see cref="Shown"/> is false while what it shows is hidden.</summary>
    private sealed record Outboxed(long Id, string Topic, string Type, string Data, DateTime CreatedAt, bool Shown);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live events cannot be read ({Reason}); retrying, streams stay open")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}

/// <summary>Why a stream ends before its client leaves.</summary>
public enum LiveEnd
{
    None,
    TooSlow,
    SessionEnded,
    ShuttingDown,
}

/// <summary>
/// One open stream: a bounded queue the reader fills and the stream empties. A full queue means the client
/// is not keeping up: its events are dropped, and it is told to reload — memory never grows with a slow client.
/// </summary>
public sealed class LiveSubscriber : IDisposable
{
    private readonly LiveHub hub;
    private readonly Channel<LiveEvent> queue;
    private readonly CancellationTokenSource ended = new();
    private int reason;

    internal LiveSubscriber(LiveHub hub, string topic, Guid? sessionId, string[] keys, int capacity, long after)
    {
        this.hub = hub;
        Topic = topic;
        SessionId = sessionId;
        Keys = keys;
        After = after;
        queue = System.Threading.Channels.Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    public string Topic { get; }

    public Guid? SessionId { get; }

    internal string[] Keys { get; }

    /// <summary>The reader's position when the stream opened: events after it reach <see cref="Events"/>.</summary>
    public long After { get; }

    public ChannelReader<LiveEvent> Events => queue.Reader;

    /// <summary>Cancelled when the stream must end (see <see cref="Reason"/>).</summary>
    public CancellationToken Ended => ended.Token;

    public LiveEnd Reason => (LiveEnd)Volatile.Read(ref reason);

    internal void Offer(LiveEvent live)
    {
        if (!queue.Writer.TryWrite(live))
        {
            End(LiveEnd.TooSlow);
        }
    }

    internal void End(LiveEnd why)
    {
        if (Interlocked.CompareExchange(ref reason, (int)why, (int)LiveEnd.None) == (int)LiveEnd.None)
        {
            queue.Writer.TryComplete();
            // Often called under the hub's lock: the stream's reaction must not run inline here.
            _ = ended.CancelAsync();
        }
    }

    // The token source is not disposed: an asynchronous cancellation may still be under way, and it holds no timer.
    public void Dispose() => hub.Unsubscribe(this);
}
