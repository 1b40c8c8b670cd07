using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text;
using Conduit.Infrastructure.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Conduit.Features.Live.Streams;

/// <summary>What a slice decided a client may watch: a topic of the outbox, and whose stream it is (caps, session end).</summary>
public sealed record LiveSubscription(string Topic, long? UserId = null, Guid? SessionId = null);

/// <summary>
/// A <c>text/event-stream</c> answer (the WHATWG server-sent events format). Written here rather than with
/// <c>TypedResults.ServerSentEvents</c>, which cannot write the comment lines heartbeats are, nor a bare
/// <c>retry:</c> on shutdown. Order: caps (429) and the resume point (from the database, so an outage is a
/// 503) before the first byte; then <c>retry:</c>, a <c>reset</c> if the client's Last-Event-ID cannot be
/// resumed, the missed events from the table, then live ones (deduplicated by id), heartbeats when idle.
/// </summary>
public sealed class LiveUpdates(LiveSubscription subscription) : IResult, IEndpointMetadataProvider
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public LiveSubscription Subscription { get; } = subscription;

    public static LiveUpdates Of(LiveSubscription subscription) => new(subscription);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new Answer.Streamed());
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var hub = services.GetRequiredService<LiveHub>();
        var settings = services.GetRequiredService<IOptions<LiveOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var aborted = httpContext.RequestAborted;

        using var subscriber = hub.Subscribe(Subscription.Topic, Subscription.UserId, Subscription.SessionId, ClientAddress.KeyOf(httpContext));
        var (after, reset, backlog) = await ResumeAsync(hub, subscriber, httpContext.Request.Headers["Last-Event-ID"].ToString(), aborted);

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each event on as written
        var writer = response.BodyWriter;

        // Once the stream must end, a client that does not read the last words gets this long before the connection is cut.
        using var kill = new CancellationTokenSource();
        using var cut = kill.Token.Register(httpContext.Abort);
        using var onEnd = subscriber.Ended.Register(() => kill.CancelAfter(Grace));

        Retry(writer, settings.ReconnectDelay);
        if (reset is not null)
        {
            Reset(writer, after, reset);
        }

        await writer.FlushAsync(aborted);
        while (backlog.Count > 0)
        {
            foreach (var live in backlog)
            {
                Event(writer, live, time);
                after = live.Id;
            }

            await writer.FlushAsync(aborted);
            backlog = backlog.Count < 1000 ? [] : await hub.ReadAsync(Subscription.Topic, after, aborted);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(subscriber.Ended, aborted);
        using var beat = new PeriodicTimer(settings.Heartbeat, time);
        var beatTask = beat.WaitForNextTickAsync(stop.Token).AsTask();
        var readTask = subscriber.Events.WaitToReadAsync(stop.Token).AsTask();
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                if (await Task.WhenAny(readTask, beatTask) == beatTask)
                {
                    await beatTask;
                    writer.Write(": \n\n"u8);
                    beatTask = beat.WaitForNextTickAsync(stop.Token).AsTask();
                }
                else if (await readTask)
                {
                    while (subscriber.Events.TryRead(out var live))
                    {
                        // Already sent from the table during catch-up.
                        if (live.Id > after)
                        {
                            Event(writer, live, time);
                            after = live.Id;
                        }
                    }

                    readTask = subscriber.Events.WaitToReadAsync(stop.Token).AsTask();
                }
                else
                {
                    break;
                }

                await writer.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (subscriber.Ended.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
        }

        await EndAsync(writer, subscriber.Reason, hub.Cursor, settings.ReconnectDelay, aborted);
    }

    /// <summary>Where to start: after the client's Last-Event-ID when it is resumable, else now (with the reason for a <c>reset</c>).</summary>
    private async Task<(long After, string? Reset, IReadOnlyList<LiveEvent> Backlog)> ResumeAsync(
        LiveHub hub, LiveSubscriber subscriber, string lastEventId, CancellationToken cancellationToken)
    {
        // "Now" is the database's newest id, not this instance's reader, which may not have read the latest commits yet.
        var (newest, prunedThrough) = await hub.PositionAsync(cancellationToken);
        var now = Math.Max(subscriber.After, newest);
        if (lastEventId.Length == 0)
        {
            return (now, null, []);
        }

        if (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var last) || last > newest)
        {
            return (now, "unknown-id", []);
        }

        if (last < prunedThrough)
        {
            return (now, "expired", []);
        }

        return (last, null, await hub.ReadAsync(Subscription.Topic, last, cancellationToken));
    }

    private static async Task EndAsync(System.IO.Pipelines.PipeWriter writer, LiveEnd reason, long position, TimeSpan reconnect, CancellationToken aborted)
    {
        switch (reason)
        {
            case LiveEnd.TooSlow:
                Reset(writer, position, "behind");
                break;
            case LiveEnd.SessionEnded:
                Line(writer, "event: ended\ndata: {\"reason\":\"session-ended\"}\n\n");
                break;
            case LiveEnd.ShuttingDown:
                // Spread the reconnections over up to twice the usual delay; nginx sends them to the other instances.
                Retry(writer, reconnect + TimeSpan.FromMilliseconds(Random.Shared.Next((int)reconnect.TotalMilliseconds)));
                break;
            default:
                return;
        }

        if (!aborted.IsCancellationRequested)
        {
            await writer.FlushAsync(aborted);
        }
    }

    private static void Retry(System.IO.Pipelines.PipeWriter writer, TimeSpan delay) =>
        Line(writer, string.Create(CultureInfo.InvariantCulture, $"retry: {(long)delay.TotalMilliseconds}\n\n"));

    /// <summary>The client must reload what it shows; its id is where the stream now stands, so a reconnect resumes from there.</summary>
    private static void Reset(System.IO.Pipelines.PipeWriter writer, long position, string reason) =>
        Line(writer, string.Create(CultureInfo.InvariantCulture, $"id: {position}\nevent: reset\ndata: {{\"reason\":\"{reason}\"}}\n\n"));

    private static void Event(System.IO.Pipelines.PipeWriter writer, LiveEvent live, TimeProvider time)
    {
        writer.Write(live.Frame);
        LiveMetrics.Sent(time.GetUtcNow().UtcDateTime - live.CreatedAt);
    }

    private static void Line(System.IO.Pipelines.PipeWriter writer, string text) => writer.Write(Encoding.UTF8.GetBytes(text));
}
