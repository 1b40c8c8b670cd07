using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Conduit.Tests.Live;

/// <summary>One server-sent event as a client sees it (comment lines are kept as type ":", bare retry blocks as ":retry").</summary>
public sealed record Sse(string? Id, string Type, string Data, int? Retry = null)
{
    public JsonNode Json => JsonNode.Parse(Data)!;
}

/// <summary>
/// Reads a text/event-stream over HttpClient (ResponseHeadersRead), parsing events as they arrive, the way
/// EventSource does (id, event, data, retry; ": " comment lines). <see cref="Ended"/> once the server closes.
/// </summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly Channel<Sse> events = Channel.CreateUnbounded<Sse>();
    private readonly CancellationTokenSource stop = new();
    private Task pump;

    private SseReader(HttpResponseMessage response, bool read)
    {
        this.response = response;
        pump = read ? Task.Run(PumpAsync) : Task.CompletedTask;
    }

    public HttpStatusCode Status => response.StatusCode;

    public HttpResponseMessage Response => response;

    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<SseReader> OpenAsync(HttpClient http, string path, string? token = null, string? lastEventId = null, bool read = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new SseReader(response, read && response.StatusCode == HttpStatusCode.OK);
    }

    /// <summary>Starts reading a stream opened with <c>read: false</c> (a client that did not read meanwhile).</summary>
    public SseReader StartReading()
    {
        pump = Task.Run(PumpAsync);
        return this;
    }

    /// <summary>The next event that is not a heartbeat, or null when the stream ended or nothing came in time.</summary>
    public async Task<Sse?> NextAsync(TimeSpan? within = null, bool heartbeats = false)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        try
        {
            while (await events.Reader.WaitToReadAsync(timeout.Token))
            {
                if (events.Reader.TryRead(out var next) && (heartbeats || !next.Type.StartsWith(':')))
                {
                    return next;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    /// <summary>The next <paramref name="count"/> events (not heartbeats), failing the test if they do not come.</summary>
    public async Task<List<Sse>> TakeAsync(int count, TimeSpan? within = null)
    {
        var taken = new List<Sse>();
        for (var i = 0; i < count; i++)
        {
            var next = await NextAsync(within);
            next.Should().NotBeNull($"event {i + 1} of {count} should arrive (got {string.Join(", ", taken.Select(e => e.Type))})");
            taken.Add(next!);
        }

        return taken;
    }

    /// <summary>Events until the server closes the stream (or <paramref name="within"/> passes).</summary>
    public async Task<List<Sse>> UntilEndAsync(TimeSpan within)
    {
        var all = new List<Sse>();
        while (await NextAsync(within, heartbeats: true) is { } next)
        {
            all.Add(next);
        }

        return all;
    }

    private async Task PumpAsync()
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
            using var reader = new StreamReader(body);
            string? id = null, type = null;
            int? retry = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Count > 0)
                    {
                        events.Writer.TryWrite(new Sse(id, type ?? "message", string.Join('\n', data), retry));
                    }
                    else if (retry is not null)
                    {
                        // Dispatches nothing in EventSource; kept (as ":retry") for the tests that look at it.
                        events.Writer.TryWrite(new Sse(id, ":retry", "", retry));
                    }

                    (id, type, retry) = (null, null, null);
                    data.Clear();
                }
                else if (line.StartsWith(':'))
                {
                    events.Writer.TryWrite(new Sse(null, ":", line));
                }
                else
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    var field = colon < 0 ? line : line[..colon];
                    var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                    switch (field)
                    {
                        case "id": id = value; break;
                        case "event": type = value; break;
                        case "data": data.Add(value); break;
                        case "retry": retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                    }
                }
            }
        }
        catch (Exception failure) when (failure is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException or ArgumentException)
        {
        }
        finally
        {
            events.Writer.TryComplete();
            Ended.TrySetResult();
        }
    }

    private bool disposed;

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await stop.CancelAsync();
        response.Dispose();
        await pump;
        stop.Dispose();
    }
}
