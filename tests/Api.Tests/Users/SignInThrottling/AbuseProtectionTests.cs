using System.Net;
using Conduit.Features.Users;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Conduit.Tests.Users.SignInThrottling;

/// <summary>
/// Sign-in and sign-up limits at their shipped defaults: failures per account and address (10), failures per
/// address (100), sign-ups per address (50). Counts are shared through PostgreSQL, so two API instances on one
/// database are one budget. "Checked" means a password hash was computed, counted by a wrapping hasher.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class AbuseProtectionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly CountingHasher hasher = new();

    [Fact]
    public async Task A_thousand_wrong_passwords_for_one_account_from_one_address_check_at_most_ten()
    {
        using var client = Client();
        var victim = await client.RegisterAsync("victim");
        var attacker = ClientAddresses.Next();
        hasher.Reset();

        var replies = await SendInParallelAsync(1000, 25, _ => client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(victim.Email), forwardedFor: attacker));

        replies.Count(reply => reply.Status == HttpStatusCode.Unauthorized).Should().Be(10);
        replies.Count(reply => reply.Status == HttpStatusCode.TooManyRequests).Should().Be(990);
        hasher.Verifications.Should().Be(10, "a throttled login computes no password hash");
    }

    [Fact]
    public async Task Wrong_passwords_spread_over_many_accounts_from_one_address_check_at_most_a_hundred()
    {
        using var client = Client();
        var attacker = ClientAddresses.Next();
        hasher.Reset();

        var replies = await SendInParallelAsync(150, 10, i => client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword($"spray{i}_{Guid.NewGuid():N}@example.test"), forwardedFor: attacker));

        replies.Count(reply => reply.Status == HttpStatusCode.Unauthorized).Should().Be(100);
        replies.Count(reply => reply.Status == HttpStatusCode.TooManyRequests).Should().Be(50);
        hasher.Verifications.Should().Be(100);
    }

    [Fact]
    public async Task The_owner_signs_in_from_another_address_while_the_account_is_attacked()
    {
        using var client = Client();
        var owner = await client.RegisterAsync("owner");
        var attacker = ClientAddresses.Next();
        for (var attempt = 0; attempt < 12; attempt++)
        {
            await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(owner.Email), forwardedFor: attacker);
        }

        var fromAttacker = await client.SendAsync(HttpMethod.Post, "/api/users/login", RightPassword(owner.Email), forwardedFor: attacker);
        var fromOwner = await client.SendAsync(HttpMethod.Post, "/api/users/login", RightPassword(owner.Email), forwardedFor: ClientAddresses.Next());

        fromAttacker.Status.Should().Be(HttpStatusCode.TooManyRequests, "the pair is blocked, whatever the password");
        fromOwner.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_throttled_login_is_429_with_a_Retry_After_that_says_when_one_more_attempt_is_allowed()
    {
        using var client = Client();
        var user = await client.RegisterAsync("limited");
        var address = ClientAddresses.Next();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            (await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: address)).Status.Should().Be(HttpStatusCode.Unauthorized);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users/login") { Content = System.Net.Http.Json.JsonContent.Create(WrongPassword(user.Email)) };
        request.Headers.Remove("X-Forwarded-For");
        request.Headers.Add("X-Forwarded-For", address);
        using var response = await client.Http.SendAsync(request);
        var limited = await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: address);

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        // One attempt comes back every 6 minutes (10 per hour): the wait is that, not a fixed window's 60 s.
        int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(350, 360);
        limited.Error("request").Should().StartWith("too many attempts");
        (await client.GetAsync("/api/tags")).Status.Should().Be(HttpStatusCode.OK, "only sign-in and sign-up are limited");
    }

    [Fact]
    public async Task A_correct_password_is_never_counted_and_ends_the_run_of_failures()
    {
        using var client = Client();
        var user = await client.RegisterAsync("forgetful");
        var address = ClientAddresses.Next();
        for (var attempt = 0; attempt < 9; attempt++)
        {
            await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: address);
        }

        var successes = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 30; attempt++)
        {
            successes.Add((await client.SendAsync(HttpMethod.Post, "/api/users/login", RightPassword(user.Email), forwardedFor: address)).Status);
        }

        var failures = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 11; attempt++)
        {
            failures.Add((await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: address)).Status);
        }

        successes.Should().OnlyContain(status => status == HttpStatusCode.OK);
        failures.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Sign_ups_from_one_address_get_a_burst_of_fifty_then_one_every_five_seconds()
    {
        using var client = Client();
        var address = ClientAddresses.Next();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var replies = await SendInParallelAsync(70, 16, _ =>
        {
            var name = Unique.Name("burst");
            return client.SendAsync(HttpMethod.Post, "/api/users", new { user = new { username = name, email = $"{name}@example.test", password = "password123" } }, forwardedFor: address);
        });
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds / 5);
        var elsewhere = await client.RegisterAsync("elsewhere");

        replies.Count(reply => reply.Status == HttpStatusCode.Created).Should().BeInRange(50, 50 + refilled);
        replies.Where(reply => reply.Status != HttpStatusCode.Created).Should().NotBeEmpty()
            .And.OnlyContain(reply => reply.Status == HttpStatusCode.TooManyRequests);
        elsewhere.Token.Should().NotBeEmpty("another address has its own bucket");
    }

    [Fact]
    public async Task A_throttled_sign_up_is_told_to_retry_within_the_refill_interval()
    {
        using var client = Client();
        var address = ClientAddresses.Next();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 80 && limited is null; i++)
        {
            var name = Unique.Name("wait");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { user = new { username = name, email = $"{name}@example.test", password = "password123" } }),
            };
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.Add("X-Forwarded-For", address);
            var response = await client.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        limited.Should().NotBeNull();
        int.Parse(limited!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1, 5);
        limited.Dispose();
    }

    [Fact]
    public async Task Failed_logins_alternating_between_two_instances_are_throttled_at_the_same_count_as_on_one()
    {
        // WithWebHostBuilder starts another host of the API: its own memory, the same database.
        using var one = Client();
        using var two = Client();
        var user = await one.RegisterAsync("shared");
        var address = ClientAddresses.Next();

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var instance = attempt % 2 == 0 ? one : two;
            statuses.Add((await instance.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: address)).Status);
        }

        statuses.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task A_client_that_is_not_a_known_proxy_cannot_choose_its_address()
    {
        // Loopback is no longer trusted: X-Forwarded-For from the test client is just a header.
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("ForwardedHeaders:KnownProxies:0", "192.0.2.1"));
        using var client = new ConduitClient(factory.CreateClient());
        var user = await client.RegisterAsync("spoofed");

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 11; attempt++)
        {
            statuses.Add((await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: ClientAddresses.Next())).Status);
        }

        statuses[^1].Should().Be(HttpStatusCode.TooManyRequests, "every attempt came from the same real address");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("  ,  , ")]
    [InlineData("fe80::1%eth0")]
    [InlineData("198.51.100.7, not-an-ip, 2001:db8::1 ")]
    [InlineData("[2001:db8::1]:443")]
    [InlineData("999.999.999.999")]
    public async Task A_malformed_X_Forwarded_For_never_fails_a_request(string forwardedFor)
    {
        using var client = Client();
        var user = await client.RegisterAsync("headers");

        var tags = await client.SendAsync(HttpMethod.Get, "/api/tags", forwardedFor: forwardedFor);
        var login = await client.SendAsync(HttpMethod.Post, "/api/users/login", RightPassword(user.Email), forwardedFor: forwardedFor);

        tags.Status.Should().Be(HttpStatusCode.OK);
        login.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_hundred_entries_in_X_Forwarded_For_count_as_the_nearest_one()
    {
        using var client = Client();
        var user = await client.RegisterAsync("long");
        var nearest = ClientAddresses.Next();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var chain = string.Join(", ", Enumerable.Range(0, 99).Select(_ => ClientAddresses.Next()).Append(nearest));
            await client.SendAsync(HttpMethod.Post, "/api/users/login", WrongPassword(user.Email), forwardedFor: chain);
        }

        var next = await client.SendAsync(HttpMethod.Post, "/api/users/login", RightPassword(user.Email), forwardedFor: nearest);

        next.Status.Should().Be(HttpStatusCode.TooManyRequests, "entries a client wrote itself, left of the proxy's, do not change its address");
    }

    [Fact]
    public async Task A_successful_login_costs_one_round_trip_more_than_without_protection()
    {
        using var client = Client();
        var user = await client.RegisterAsync("counted");
        using var spans = new NpgsqlSpans();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users/login") { Content = System.Net.Http.Json.JsonContent.Create(RightPassword(user.Email)) };
        request.Headers.Add("traceparent", spans.TraceParent);
        using var response = await client.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        // Admission; the account lookup; the session start, which also returns the lease (not a fourth).
        var statements = spans.Statements.Select(statement => statement.Name).ToList();
        statements.Should().HaveCount(3, string.Join(", ", statements));
    }

    [Fact]
    public async Task Without_its_counters_a_login_is_503_and_checks_no_password()
    {
        var real = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString);
        await using var proxy = new TcpProxy(new System.Net.IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var factory = api.WithWebHostBuilder(builder => builder
            .UseSetting("ConnectionStrings:Database", proxied)
            .ConfigureTestServices(services => services.AddSingleton<IPasswordHasher<UserRow>>(hasher)));
        using var client = new ConduitClient(factory.CreateClient());
        var user = await client.RegisterAsync("outage");
        hasher.Reset();

        proxy.Cut();
        var login = await client.PostAsync("/api/users/login", RightPassword(user.Email));

        login.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        hasher.Verifications.Should().Be(0, "an attempt that cannot be counted is not made");
    }

    private ConduitClient Client() => new(api.WithWebHostBuilder(builder =>
        builder.ConfigureTestServices(services => services.AddSingleton<IPasswordHasher<UserRow>>(hasher))).CreateClient());

    private static object WrongPassword(string email) => new { user = new { email, password = "wrong-password" } };

    private static object RightPassword(string email) => new { user = new { email, password = "password123" } };

    private static async Task<List<Reply>> SendInParallelAsync(int count, int parallelism, Func<int, Task<Reply>> send)
    {
        var replies = new System.Collections.Concurrent.ConcurrentBag<Reply>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) => replies.Add(await send(i)));
        return [.. replies];
    }

    /// <summary>The real hasher, counting the password checks it is asked for.</summary>
    private sealed class CountingHasher : IPasswordHasher<UserRow>
    {
        private readonly PasswordHasher<UserRow> inner = new();
        private int verifications;

        public int Verifications => Volatile.Read(ref verifications);

        public void Reset() => Interlocked.Exchange(ref verifications, 0);

        public string HashPassword(UserRow user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(UserRow user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
