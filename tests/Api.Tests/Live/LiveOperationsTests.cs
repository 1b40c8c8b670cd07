using System.Net;
using System.Text.Json;
using Conduit.Tests.Infrastructure;
using Conduit.Tests.Operability;
using Conduit.Tests.Robustness;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Live;

/// <summary>Live updates as operators see them: outages, SIGTERM, logs, metrics.</summary>
[Collection(LoopbackPorts.Collection)]
public sealed class LiveOperationsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task During_a_database_outage_streams_stay_open_and_catch_up_when_it_returns()
    {
        var real = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var cutOff = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:Database", proxied).UseSetting("Live:Heartbeat", "00:00:00.2"));
        using var watcherClient = new ConduitClient(cutOff.CreateClient());
        using var writer = api.CreateConduitClient();
        var author = await writer.RegisterAsync("outage");
        var slug = await writer.CreateArticleAsync(author);
        await using var stream = await SseReader.OpenAsync(watcherClient.Http, $"/api/articles/{slug}/comments/live");
        stream.Status.Should().Be(HttpStatusCode.OK);

        proxy.Cut();
        // Written through the other instance while this one cannot reach the database.
        foreach (var body in new[] { "during-1", "during-2" })
        {
            (await writer.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body } }, author.Token)).Status.Should().Be(HttpStatusCode.Created);
        }

        (await stream.NextAsync(TimeSpan.FromSeconds(2))).Should().BeNull("nothing can be read meanwhile");
        (await stream.NextAsync(TimeSpan.FromSeconds(1), heartbeats: true))!.Type.Should().Be(":", "the stream stays open, heartbeats go on");
        proxy.Restore();

        var caughtUp = await stream.TakeAsync(2, TimeSpan.FromSeconds(20));
        caughtUp.Select(e => e.Json["comment"]!["body"]!.GetValue<string>()).Should().Equal("during-1", "during-2");
        stream.Ended.Task.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task SIGTERM_ends_streams_with_a_retry_hint_and_the_process_exits_promptly()
    {
        await using var process = ApiProcess.Start(Settings(api.ConnectionString));
        await process.WaitUntilLiveAsync();
        using var client = new ConduitClient(new HttpClient { BaseAddress = process.Address });
        var author = await client.RegisterAsync("sigterm");
        var slug = await client.CreateArticleAsync(author);
        await using var stream = await OpenWhenReadyAsync(client.Http, $"/api/articles/{slug}/comments/live");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        process.Terminate();
        var last = await stream.UntilEndAsync(TimeSpan.FromSeconds(10));

        stream.Ended.Task.IsCompleted.Should().BeTrue("the server ends the stream");
        last.Should().Contain(e => e.Type == ":retry" && e.Retry >= 2000, "clients are told when to reconnect (to another instance)");
        (await process.WaitForExitAsync(TimeSpan.FromSeconds(15))).Should().Be(0);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "an open stream does not hold shutdown for Shutdown:Timeout");
    }

    [Fact]
    public async Task Stream_tickets_never_reach_a_log_line_even_at_Trace()
    {
        var settings = Settings(api.ConnectionString);
        settings["Logging__LogLevel__Default"] = "Trace";
        settings["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace";
        settings["Logging__LogLevel__Npgsql"] = "Trace";
        await using var process = ApiProcess.Start(settings);
        await process.WaitUntilLiveAsync();
        using var client = new ConduitClient(new HttpClient { BaseAddress = process.Address });
        var user = await client.RegisterAsync("quiet");
        var tickets = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            tickets.Add((await client.PostAsync("/api/user/live/ticket", token: user.Token)).Json!["ticket"]!.GetValue<string>());
        }

        await using (var stream = await OpenWhenReadyAsync(client.Http, $"/api/user/live?ticket={tickets[0]}"))
        {
            stream.Status.Should().Be(HttpStatusCode.OK);
        }

        await using (var replay = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={tickets[0]}", read: false))
        {
            replay.Status.Should().Be(HttpStatusCode.Unauthorized);
        }

        await using (var second = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={tickets[1]}", read: false))
        {
            second.Status.Should().Be(HttpStatusCode.OK);
        }

        process.Terminate();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));

        var lines = process.Output;
        lines.Should().Contain(line => line.Contains("/api/user/live", StringComparison.Ordinal), "the request log names the route");
        foreach (var secret in tickets.Append(user.Token))
        {
            lines.Should().NotContain(line => line.Contains(secret, StringComparison.Ordinal), "a ticket must never reach a log line");
        }
    }

    [Fact]
    public async Task Metrics_count_open_streams_delivered_events_and_their_delay()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("metered");
        var slug = await client.CreateArticleAsync(author);
        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live");
        (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "counted" } }, author.Token)).Status.Should().Be(HttpStatusCode.Created);
        await stream.TakeAsync(1);

        string metrics = "";
        for (var i = 0; i < 50 && !metrics.Contains("conduit_live_lag", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            metrics = await client.Http.GetStringAsync("/metrics");
        }

        metrics.Should().Contain("conduit_live_streams").And.Contain("conduit_live_events").And.Contain("conduit_live_lag_seconds");
    }

    [Fact]
    public async Task Events_older_than_the_retention_are_pruned_in_the_background_and_the_horizon_moves_with_them()
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using (var seed = new NpgsqlCommand(
            "INSERT INTO live_events (topic, type, data, created_at) VALUES ('c0', 'comment.deleted', '{}', now() - interval '2 minutes') RETURNING id", connection))
        {
            var old = (long)(await seed.ExecuteScalarAsync())!;

            // Pruning runs when an instance starts, then every 10 minutes.
            using var pruner = api.WithWebHostBuilder(builder => builder.UseSetting("Live:Retention", "00:01:00"));
            using var client = pruner.CreateClient();
            (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);

            long horizon = 0;
            for (var i = 0; i < 50 && horizon < old; i++)
            {
                await Task.Delay(100);
                await using var read = new NpgsqlCommand("SELECT pruned_through FROM live_horizon", connection);
                horizon = (long)(await read.ExecuteScalarAsync())!;
            }

            horizon.Should().BeGreaterThanOrEqualTo(old);
            await using var left = new NpgsqlCommand("SELECT count(*) FROM live_events WHERE id = @id", connection);
            left.Parameters.AddWithValue("id", old);
            ((long)(await left.ExecuteScalarAsync())!).Should().Be(0);
        }
    }

    /// <summary>A fresh process answers streams once its outbox reader has connected (503 until then).</summary>
    private static async Task<SseReader> OpenWhenReadyAsync(HttpClient http, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stream = await SseReader.OpenAsync(http, path);
            if (stream.Status != HttpStatusCode.ServiceUnavailable || attempt == 50)
            {
                stream.Status.Should().Be(HttpStatusCode.OK);
                return stream;
            }

            await stream.DisposeAsync();
            await Task.Delay(200);
        }
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["ConnectionStrings__Database"] = connectionString,
        ["Jwt__SigningKey"] = ApiFactory.SigningKey,
        ["Shutdown__Timeout"] = "00:00:10",
    };
}
