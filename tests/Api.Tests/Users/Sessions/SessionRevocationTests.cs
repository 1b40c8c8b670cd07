using System.Net;
using Conduit.Features.Users.Sessions;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Conduit.Tests.Users.Sessions;

/// <summary>
/// The revocation promise across instances: a session ended through one API instance is refused by another
/// within a second, with no database round trip per request while the notification stream is up, and
/// checked against the database while it is not.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class SessionRevocationTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_session_ended_through_one_instance_is_refused_by_another_within_a_second()
    {
        // WithWebHostBuilder starts a second host: its own memory and its own LISTEN connection, the same database.
        using var one = new ConduitClient(api.CreateClient());
        using var secondInstance = api.WithWebHostBuilder(_ => { });
        using var two = new ConduitClient(secondInstance.CreateClient());
        await MirroredAsync(api, secondInstance);
        var user = await one.RegisterAsync("fleet");

        var delays = new List<double>();
        for (var round = 0; round < 20; round++)
        {
            var session = await one.SignInAsync(user);
            (await two.GetAsync("/api/user", session.Token)).Status.Should().Be(HttpStatusCode.OK);

            (await one.PostAsync("/api/users/logout", token: session.Token)).Status.Should().Be(HttpStatusCode.NoContent);
            var delay = await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", session.Token), HttpStatusCode.Unauthorized, Promise * 3);

            delay.Should().BeLessThan(Promise, $"round {round}");
            delays.Add(delay.TotalMilliseconds);
        }

        delays.Sort();
        output.WriteLine($"revocation seen by the other instance after (ms, logout answered → first 401): min {delays[0]:0.0}, median {delays[delays.Count / 2]:0.0}, max {delays[^1]:0.0}");
    }

    [Fact]
    public async Task Every_way_of_ending_a_session_reaches_the_other_instance()
    {
        using var one = new ConduitClient(api.CreateClient());
        using var secondInstance = api.WithWebHostBuilder(_ => { });
        using var two = new ConduitClient(secondInstance.CreateClient());
        await MirroredAsync(api, secondInstance);
        var user = await one.RegisterAsync("ways");
        var ended = await one.SignInAsync(user);
        var others = await one.SignInAsync(user);
        var byPassword = await one.SignInAsync(user);
        var keeper = await one.SignInAsync(user);

        await one.DeleteAsync($"/api/user/sessions/{Guid.ParseExact(ended.RefreshToken[..32], "N")}", keeper.Token);
        (await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", ended.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        await one.PutAsync("/api/user", new { user = new { password = "another-password" } }, keeper.Token);
        (await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", others.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", byPassword.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise);
        (await two.GetAsync("/api/user", keeper.Token)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task While_the_notification_stream_is_down_tokens_are_checked_against_the_database_and_a_reconnection_resyncs()
    {
        var real = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        await using var proxy = new TcpProxy(new System.Net.IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var cutOff = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:Database", proxied));
        using var two = new ConduitClient(cutOff.CreateClient());
        using var one = new ConduitClient(api.CreateClient());
        await MirroredAsync(api, cutOff);
        var user = await one.RegisterAsync("gap");
        var during = await one.SignInAsync(user);
        var after = await one.SignInAsync(user);
        (await two.GetAsync("/api/user", after.Token)).Status.Should().Be(HttpStatusCode.OK);

        // Instance two loses its connections, the listening one with them; sessions end meanwhile.
        proxy.Cut();
        await WaitAsync(() => !cutOff.Services.GetRequiredService<RevokedSessions>().Mirrored, "the listener should notice the cut");
        (await one.PostAsync("/api/users/logout", token: during.Token)).Status.Should().Be(HttpStatusCode.NoContent);
        var blind = await two.GetAsync("/api/user", during.Token);
        proxy.Restore();
        var refused = await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", during.Token), HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        await WaitAsync(() => cutOff.Services.GetRequiredService<RevokedSessions>().Mirrored, "the listener should reconnect");
        (await one.PostAsync("/api/users/logout", token: after.Token)).Status.Should().Be(HttpStatusCode.NoContent);

        blind.Status.Should().Be(HttpStatusCode.ServiceUnavailable, "without the stream nor the database nothing is let in");
        refused.Should().BeLessThan(TimeSpan.FromSeconds(10));
        (await two.GetAsync("/api/user", during.Token)).Status.Should().Be(HttpStatusCode.Unauthorized, "ended during the gap: in the resynced set");
        (await ConduitClient.UntilAsync(() => two.GetAsync("/api/user", after.Token), HttpStatusCode.Unauthorized, Promise)).Should().BeLessThan(Promise, "the stream is back");
    }

    private static Task MirroredAsync(params WebApplicationFactory<Program>[] instances) =>
        WaitAsync(() => instances.All(instance => instance.Services.GetRequiredService<RevokedSessions>().Mirrored), "every instance should be listening");

    private static async Task WaitAsync(Func<bool> condition, string because)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), because);
            await Task.Delay(20);
        }
    }
}
