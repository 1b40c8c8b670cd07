using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Conduit.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Conduit.Tests.Robustness;

/// <summary>PostgreSQL goes away under traffic and comes back: 503s fast, no crash, nothing lost.</summary>
[Collection(LoopbackPorts.Collection)]
public sealed class DatabaseOutageTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task An_outage_gives_fast_503s_and_service_resumes_without_a_restart_with_every_acknowledged_write_kept()
    {
        var real = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:Database", proxied));
        using var client = new ConduitClient(factory.CreateClient());
        var author = await client.RegisterAsync("steady");

        // Writers keep going through the whole outage; every 2xx they get must survive it.
        var acknowledged = new ConcurrentBag<string>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var slowest = TimeSpan.Zero;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var reply = await client.PostAsync("/api/articles", new { article = new { title = Unique.Name("Outage"), description = "d", body = "b" } }, author.Token);
                var elapsed = Stopwatch.GetElapsedTime(started);
                lock (statuses)
                {
                    slowest = elapsed > slowest ? elapsed : slowest;
                }

                statuses.Add(reply.Status);
                if (reply.Status == HttpStatusCode.Created)
                {
                    acknowledged.Add(reply.Json!["article"]!["slug"]!.GetValue<string>());
                }
                else
                {
                    await Task.Delay(20);
                }
            }
        })).ToArray();
        await Task.Delay(500);

        proxy.Cut();
        var down = Stopwatch.StartNew();
        var during = await client.GetAsync("/api/articles");
        var firstAnswer = down.Elapsed;
        var ready = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");
        await Task.Delay(1000);

        proxy.Restore();
        var recovery = Stopwatch.StartNew();
        Reply after;
        do
        {
            after = await client.GetAsync("/api/articles");
        }
        while (after.Status != HttpStatusCode.OK && recovery.Elapsed < TimeSpan.FromSeconds(10));
        var recovered = recovery.Elapsed;
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        output.WriteLine($"first answer during the outage {firstAnswer.TotalMilliseconds:0} ms, recovery {recovered.TotalMilliseconds:0} ms, slowest request {slowest.TotalMilliseconds:0} ms, "
            + $"{statuses.Count(status => status == HttpStatusCode.Created)} writes acknowledged, {statuses.Count(status => status == HttpStatusCode.ServiceUnavailable)} answered 503");
        during.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        during.Error("database").Should().Be("is unavailable");
        firstAnswer.Should().BeLessThan(TimeSpan.FromSeconds(2));
        ready.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        live.Status.Should().Be(HttpStatusCode.OK);
        after.Status.Should().Be(HttpStatusCode.OK);
        recovered.Should().BeLessThan(TimeSpan.FromSeconds(5));
        statuses.Should().OnlyContain(status => status == HttpStatusCode.Created || status == HttpStatusCode.ServiceUnavailable);
        statuses.Should().Contain(HttpStatusCode.ServiceUnavailable).And.Contain(HttpStatusCode.Created);
        // Loose on purpose (other test classes share the CPU): what matters is that nothing waits for a timeout.
        slowest.Should().BeLessThan(TimeSpan.FromSeconds(5), "no request hangs while the database is away");
        (await client.GetAsync("/health/ready")).Status.Should().Be(HttpStatusCode.OK);

        await using var connection = await api.OpenDatabaseAsync();
        await using var stored = new NpgsqlCommand("SELECT slug FROM articles", connection);
        var slugs = new HashSet<string>();
        await using (var reader = await stored.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                slugs.Add(reader.GetString(0));
            }
        }

        output.WriteLine($"{acknowledged.Count} acknowledged writes checked after the outage");
        acknowledged.Should().NotBeEmpty().And.OnlyContain(slug => slugs.Contains(slug), "every write answered 2xx is in the database");
    }
}
