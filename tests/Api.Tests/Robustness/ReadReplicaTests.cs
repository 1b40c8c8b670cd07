using System.Net;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary>
/// <c>ConnectionStrings:ReadReplica</c> when it is not what it should be. A read goes to the replica only once
/// it has replayed the primary's WAL past the request's start; a server that is no standby never has, and an
/// unreachable one is skipped. (A real streaming replica, stopped and started under load and read right
/// after writes, is proven by scripts/fleet-check.sh.) The "replica" is a second database of its own, so
/// every answer shows where it was read.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class ReadReplicaTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private string replicaDatabase = "";

    public async Task InitializeAsync() => replicaDatabase = await TestDatabase.CreateAsync();

    public Task DisposeAsync() => TestDatabase.DropAsync(replicaDatabase);

    [Fact]
    public async Task A_replica_that_is_not_a_standby_is_never_read_from()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:ReadReplica", TestDatabase.ConnectionStringFor(replicaDatabase)));
        using var client = new ConduitClient(factory.CreateClient());
        var writer = await client.RegisterAsync("writer");
        var tag = Unique.Name("primaryonly");
        await client.CreateArticleAsync(writer, tags: [tag]);
        await Task.Delay(100); // several samples of the "replica"'s replay position

        var anonymous = await client.GetAsync($"/api/articles?tag={tag}&limit=7");

        anonymous.Json!["articlesCount"]!.GetValue<int>().Should().Be(1, "a server that replays nothing can never be caught up");
    }

    [Fact]
    public async Task An_unreachable_replica_costs_no_5xx()
    {
        var real = new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionStringFor(replicaDatabase));
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        proxy.Cut();
        var proxied = new NpgsqlConnectionStringBuilder(real.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:ReadReplica", proxied));
        using var client = new ConduitClient(factory.CreateClient());
        var writer = await client.RegisterAsync("writer");
        var tag = Unique.Name("primaryonly");
        await client.CreateArticleAsync(writer, tags: [tag]);

        var replies = await Task.WhenAll(Enumerable.Range(1, 40).Select(limit => client.GetAsync($"/api/articles?tag={tag}&limit={limit}")));

        replies.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK && reply.Json!["articlesCount"]!.GetValue<int>() == 1);
    }
}
