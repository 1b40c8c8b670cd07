using System.Collections.Concurrent;
using System.Net;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary>
/// <c>ConnectionStrings:ReadReplica</c>. The "replica" here is a second database of its own, so every answer
/// shows where it was read: a tag written through the API exists only on the primary.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class ReadReplicaTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private string replicaDatabase = "";

    public async Task InitializeAsync() => replicaDatabase = await TestDatabase.CreateAsync();

    public Task DisposeAsync() => TestDatabase.DropAsync(replicaDatabase);

    [Fact]
    public async Task Anonymous_reads_come_from_the_replica_and_signed_in_reads_from_the_primary()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:ReadReplica", TestDatabase.ConnectionStringFor(replicaDatabase)));
        using var client = new ConduitClient(factory.CreateClient());
        var writer = await client.RegisterAsync("writer");
        var tag = Unique.Name("primaryonly");
        await client.CreateArticleAsync(writer, tags: [tag]);

        var anonymous = await client.GetAsync("/api/tags");
        var signedIn = await client.GetAsync("/api/tags", writer.Token);
        var ownArticles = await client.GetAsync($"/api/articles?author={writer.Username}", writer.Token);

        anonymous.Json!["tags"]!.AsArray().Select(node => node!.GetValue<string>()).Should().NotContain(tag);
        signedIn.Json!["tags"]!.AsArray().Select(node => node!.GetValue<string>()).Should().Contain(tag, "a writer's next read sees its write");
        ownArticles.Json!["articlesCount"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task A_replica_that_goes_down_under_read_load_costs_no_5xx_and_is_used_again_when_it_returns()
    {
        var real = new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionStringFor(replicaDatabase));
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new NpgsqlConnectionStringBuilder(real.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:ReadReplica", proxied));
        using var client = new ConduitClient(factory.CreateClient());
        var writer = await client.RegisterAsync("writer");
        var tag = Unique.Name("primaryonly");
        await client.CreateArticleAsync(writer, tags: [tag]);

        var statuses = new ConcurrentBag<HttpStatusCode>();
        var sawPrimary = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var reply = await client.GetAsync("/api/tags");
                statuses.Add(reply.Status);
                if (reply.Text.Contains(tag, StringComparison.Ordinal))
                {
                    Interlocked.Exchange(ref sawPrimary, 1);
                }
            }
        })).ToArray();

        await Task.Delay(500);
        proxy.Cut();
        await Task.Delay(1500);
        var fellBack = Volatile.Read(ref sawPrimary);
        proxy.Restore();
        await Task.Delay(2500);
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        var afterwards = await client.GetAsync("/api/tags");

        statuses.Should().NotBeEmpty().And.OnlyContain(status => status == HttpStatusCode.OK);
        fellBack.Should().Be(1, "with the replica gone, reads were served by the primary");
        afterwards.Text.Should().NotContain(tag, "the replica is back in use");
    }
}
