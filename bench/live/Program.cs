// Live-updates load: N comment streams (each its own client address, as behind nginx) on the given
// instances, one writer adding comments through them at a fixed rate, every stream reconnecting with
// Last-Event-ID (to the next instance) whenever its connection ends. At the end: per stream, every
// acknowledged comment must have arrived exactly once; commit-to-client delay percentiles over all
// receipts (measured from before the POST was sent: an upper bound).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

var options = args.Select((value, i) => (value, i)).Where(pair => pair.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(pair => pair.value[2..], pair => args[pair.i + 1], StringComparer.Ordinal);
var instances = options["instances"].Split(',').Select(url => new Uri(url)).ToArray();
var streamCount = int.Parse(options.GetValueOrDefault("streams", "1000"), CultureInfo.InvariantCulture);
var rate = double.Parse(options.GetValueOrDefault("rate", "10"), CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("seconds", "30"), CultureInfo.InvariantCulture));
var streamOn = options.GetValueOrDefault("stream-on", "all"); // "all" (round robin) or an index
var writeOn = int.Parse(options.GetValueOrDefault("write-on", "1"), CultureInfo.InvariantCulture) % instances.Length;

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

// An author and an article to comment on.
var name = $"load{Guid.NewGuid():N}"[..16];
var token = await RegisterAsync(http, instances[writeOn], name);
var slug = await CreateArticleAsync(http, instances[writeOn], token);

var sent = new ConcurrentDictionary<int, long>(); // sequence → timestamp before the POST
var acknowledged = new ConcurrentDictionary<int, bool>();
var delays = new ConcurrentBag<double>();
var received = new ConcurrentDictionary<int, int>[streamCount];
var reconnects = 0;
var resets = 0;
var opened = 0;
using var stop = new CancellationTokenSource();

var streams = Enumerable.Range(0, streamCount).Select(i =>
{
    received[i] = new ConcurrentDictionary<int, int>();
    return Task.Run(() => StreamAsync(i));
}).ToArray();

var openClock = Stopwatch.StartNew();
while (Volatile.Read(ref opened) < streamCount && openClock.Elapsed < TimeSpan.FromMinutes(3))
{
    await Task.Delay(200);
}

Console.WriteLine($"streams open: {Volatile.Read(ref opened)} of {streamCount} in {openClock.Elapsed.TotalSeconds:0.0} s");
Console.WriteLine("READY");
await Console.Out.FlushAsync();

var writeClock = Stopwatch.StartNew();
var sequence = 0;
var writeFailures = 0;
while (writeClock.Elapsed < duration)
{
    var next = ++sequence;
    var due = TimeSpan.FromSeconds(next / rate);
    if (due > writeClock.Elapsed)
    {
        await Task.Delay(due - writeClock.Elapsed);
    }

    sent[next] = Stopwatch.GetTimestamp();
    if (!await CommentAsync(next))
    {
        writeFailures++;
    }
}

// Let the last events arrive (and reconnecting streams catch up).
await Task.Delay(TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("settle", "10"), CultureInfo.InvariantCulture)));
await stop.CancelAsync();
await Task.WhenAll(streams);

long lost = 0, duplicated = 0;
foreach (var stream in received)
{
    lost += acknowledged.Keys.Count(seq => !stream.ContainsKey(seq));
    duplicated += stream.Values.Sum(count => count - 1);
}

var sorted = delays.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
Console.WriteLine($"comments acknowledged: {acknowledged.Count} (write failures {writeFailures}); receipts: {sorted.Length}; expected {acknowledged.Count * (long)streamCount}");
Console.WriteLine($"lost: {lost}; duplicated: {duplicated}; reconnects: {reconnects}; resets: {resets}");
Console.WriteLine($"delay ms: p50 {Percentile(0.50):0.0}  p90 {Percentile(0.90):0.0}  p99 {Percentile(0.99):0.0}  max {(sorted.Length > 0 ? sorted[^1] : double.NaN):0.0}");
return lost == 0 && duplicated == 0 ? 0 : 2;

async Task StreamAsync(int index)
{
    var address = $"10.{(index >> 16) & 0xff}.{(index >> 8) & 0xff}.{index & 0xff}";
    string? lastId = null;
    var first = true;
    var instance = streamOn == "all" ? index % instances.Length : int.Parse(streamOn, CultureInfo.InvariantCulture);
    while (!stop.IsCancellationRequested)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instances[instance], $"/api/articles/{slug}/comments/live"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
            if (lastId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastId);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"status {(int)response.StatusCode}");
            }

            if (first)
            {
                first = false;
                Interlocked.Increment(ref opened);
            }

            await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
            using var reader = new StreamReader(body);
            string? id = null, type = null, data = null;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        lastId = id ?? lastId;
                        if (type == "comment.added")
                        {
                            // Bodies are "n:<seq>"; found without parsing the JSON, so the tool's own CPU stays out of the delay.
                            var start = data.IndexOf("\"n:", StringComparison.Ordinal) + 3;
                            var seq = int.Parse(data.AsSpan(start, data.IndexOf('"', start) - start), CultureInfo.InvariantCulture);
                            received[index].AddOrUpdate(seq, 1, (_, count) => count + 1);
                            if (sent.TryGetValue(seq, out var at))
                            {
                                delays.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                            }
                        }
                        else if (type == "reset")
                        {
                            Interlocked.Increment(ref resets);
                        }
                    }

                    (id, type, data) = (null, null, null);
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception failure) when (failure is HttpRequestException or IOException)
        {
        }

        // The connection ended (a restart, or a refusal): the next instance, after EventSource's kind of pause.
        Interlocked.Increment(ref reconnects);
        instance = (instance + 1) % instances.Length;
        try
        {
            await Task.Delay(Random.Shared.Next(200, 1000), stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}

async Task<bool> CommentAsync(int seq)
{
    // The writer too moves to the next instance when one is down; a write counts once it is acknowledged.
    for (var attempt = 0; attempt < instances.Length; attempt++)
    {
        var target = instances[(writeOn + attempt) % instances.Length];
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, $"/api/articles/{slug}/comments"))
            {
                Content = JsonContent.Create(new { comment = new { body = $"n:{seq}" } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                acknowledged[seq] = true;
                return true;
            }
        }
        catch (HttpRequestException)
        {
        }
    }

    return false;
}

static async Task<string> RegisterAsync(HttpClient http, Uri api, string name)
{
    using var response = await http.PostAsJsonAsync(new Uri(api, "/api/users"), new { user = new { username = name, email = $"{name}@example.test", password = "password123" } });
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonNode>())!["user"]!["token"]!.GetValue<string>();
}

static async Task<string> CreateArticleAsync(HttpClient http, Uri api, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/articles"))
    {
        Content = JsonContent.Create(new { article = new { title = $"Live load {Guid.NewGuid():N}", description = "d", body = "b", tagList = Array.Empty<string>() } }),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonNode>())!["article"]!["slug"]!.GetValue<string>();
}
