using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Users.Sessions;

/// <summary>What a refresh token refuses, and how the refresh endpoint holds up under races and guessing.</summary>
public sealed class RefreshTokenAttackTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    public static TheoryData<string> BadTokens => ["malformed", "truncated", "extended", "upper-case-id", "unknown-session", "expired", "revoked", "another-users-secret", "access-token", "jwt-shaped", "nul-bytes", "huge"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_refresh_token_is_401_with_the_contracts_error_body(string kind)
    {
        var user = await client.RegisterAsync("bad");
        var session = await client.SignInAsync(user);
        var refreshToken = await BadTokenAsync(kind, user, session);

        var reply = await client.RefreshAsync(refreshToken);

        reply.Status.Should().Be(HttpStatusCode.Unauthorized, kind);
        reply.ContentType.Should().Be("application/json");
        reply.Json!["errors"]!.AsObject().Select(member => member.Key).Should().Equal("refreshToken");
        reply.Error("refreshToken").Should().Be("is invalid");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"refreshToken":""}""")]
    [InlineData("""{"refreshToken":null}""")]
    [InlineData("""{"refreshToken":"   "}""")]
    public async Task A_missing_or_blank_refresh_token_is_422(string body)
    {
        var reply = await client.PostAsync("/api/users/refresh", body);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error("refreshToken").Should().Be("can't be blank");
    }

    [Fact]
    public async Task A_refresh_token_used_as_an_access_token_is_401_and_anonymous_where_a_token_is_optional()
    {
        var user = await client.RegisterAsync("swap");
        var session = await client.SignInAsync(user);

        var needed = await client.GetAsync("/api/user", session.RefreshToken);
        var optional = await client.GetAsync("/api/articles", session.RefreshToken);

        needed.Status.Should().Be(HttpStatusCode.Unauthorized);
        needed.Error("token").Should().Be("is invalid");
        optional.Status.Should().Be(HttpStatusCode.OK);
        optional.WwwAuthenticate.Should().Be("Token error=\"invalid_token\"");
    }

    [Fact]
    public async Task A_refresh_sent_with_another_users_access_token_is_401_and_spends_nothing()
    {
        var owner = await client.RegisterAsync("owner");
        var session = await client.SignInAsync(owner);
        var other = await client.RegisterAsync("other");

        var mixed = await client.RefreshAsync(session.RefreshToken, token: other.Token);
        var own = await client.RefreshAsync(session.RefreshToken, token: session.Token);
        var stale = await client.RefreshAsync(own.Json!["user"]!["refreshToken"]!.GetValue<string>(), token: "an.expired.token");

        mixed.Status.Should().Be(HttpStatusCode.Unauthorized, "a client mixing up accounts must not silently switch user");
        own.Status.Should().Be(HttpStatusCode.OK, "the refused attempt spent nothing");
        stale.Status.Should().Be(HttpStatusCode.OK, "an expired access token next to the refresh token is why the client refreshes");
    }

    [Fact]
    public async Task A_thousand_concurrent_refreshes_of_one_token_make_one_successor_and_no_session()
    {
        // All from one address, as one client's tabs would send them: a valid token is never throttled (it once
        // leased one of ten places per session and address, and the rest got 429). The reuse interval covers the
        // whole burst on a slow machine.
        var address = ClientAddresses.Next();
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Sessions:RefreshReuseInterval", "00:02:00"));
        using var burst = new ConduitClient(factory.CreateClient());
        var user = await burst.RegisterAsync("burst");
        var session = await burst.SignInAsync(user);
        var replies = new ConcurrentBag<Reply>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, _) =>
            replies.Add(await burst.RefreshAsync(session.RefreshToken, address)));

        replies.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK, string.Join(", ", replies.Select(reply => reply.Status).Distinct()));
        var successors = replies.Select(reply => reply.Json!["user"]!["refreshToken"]!.GetValue<string>()).Distinct().ToList();
        successors.Should().ContainSingle("one rotation; every other request got the same successor");
        (await burst.RefreshAsync(successors[0])).Status.Should().Be(HttpStatusCode.OK, "the one chain goes on");
        await using var connection = await api.OpenDatabaseAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = @name AND s.revoked_at IS NULL", connection);
        count.Parameters.AddWithValue("name", user.Username);
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(2, "the sign-up's and the login's; refreshes add none");
    }

    [Fact]
    public async Task Thirty_concurrent_refreshes_from_one_address_at_the_default_settings_all_get_the_same_successor()
    {
        var user = await client.RegisterAsync("tabs");
        var session = await client.SignInAsync(user);
        var address = ClientAddresses.Next();

        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.RefreshAsync(session.RefreshToken, address)));

        replies.Select(reply => reply.Status).Should().AllBeEquivalentTo(HttpStatusCode.OK);
        replies.Select(reply => reply.Json!["user"]!["refreshToken"]!.GetValue<string>()).Distinct().Should().ContainSingle();
    }

    [Fact]
    public async Task A_random_secret_for_a_known_session_is_401_and_does_not_end_it()
    {
        var user = await client.RegisterAsync("sid");
        var session = await client.SignInAsync(user);
        // The session id is in every access token (sid) and in log lines: knowing it must not be enough.
        var forged = $"{session.RefreshToken[..32]}.{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";

        var attempt = await client.RefreshAsync(forged);

        attempt.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/user", session.Token)).Status.Should().Be(HttpStatusCode.OK, "the session lives on");
        (await client.RefreshAsync(session.RefreshToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_spent_several_rotations_ago_is_a_replay_and_ends_the_session()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Sessions:RefreshReuseInterval", "00:00:00"));
        using var strict = new ConduitClient(factory.CreateClient());
        var user = await strict.RegisterAsync("thief");
        var first = await strict.SignInAsync(user);
        var token = first.RefreshToken;
        for (var i = 0; i < 3; i++)
        {
            // The thief refreshing with the stolen token while the owner is away.
            token = (await strict.RefreshAsync(token)).Json!["user"]!["refreshToken"]!.GetValue<string>();
        }

        var owner = await strict.RefreshAsync(first.RefreshToken);

        owner.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await strict.RefreshAsync(token)).Status.Should().Be(HttpStatusCode.Unauthorized, "the replay ended the thief's chain too");
    }

    [Fact]
    public async Task Failed_refreshes_of_one_session_from_one_address_are_throttled_after_ten_like_wrong_passwords()
    {
        var address = ClientAddresses.Next();
        var unknown = $"{Guid.NewGuid():N}.{new string('A', 43)}";

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 11; attempt++)
        {
            statuses.Add((await client.RefreshAsync(unknown, address)).Status);
        }

        statuses.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), HttpStatusCode.TooManyRequests]);
        (await client.RefreshAsync(unknown, ClientAddresses.Next())).Status.Should().Be(HttpStatusCode.Unauthorized, "another address has its own budget");
    }

    [Fact]
    public async Task Failed_refreshes_spend_the_same_per_address_budget_as_wrong_passwords()
    {
        var user = await client.RegisterAsync("budget");
        var address = ClientAddresses.Next();

        var replies = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            replies.Add((await client.RefreshAsync($"{Guid.NewGuid():N}.{new string('A', 43)}", address)).Status));
        var login = await client.SendAsync(HttpMethod.Post, "/api/users/login", new { user = new { email = user.Email, password = "password123" } }, forwardedFor: address);

        replies.Should().OnlyContain(status => status == HttpStatusCode.Unauthorized);
        login.Status.Should().Be(HttpStatusCode.TooManyRequests, "a hundred failed refreshes from the address are a hundred failed sign-ins");
    }

    private async Task<string> BadTokenAsync(string kind, TestUser user, SignedIn session)
    {
        var id = session.RefreshToken[..32];
        switch (kind)
        {
            case "malformed":
                return "definitely not a refresh token";
            case "truncated":
                return session.RefreshToken[..^1];
            case "extended":
                return session.RefreshToken + "A";
            case "upper-case-id":
                return session.RefreshToken.ToUpperInvariant();
            case "unknown-session":
                return $"{Guid.NewGuid():N}{session.RefreshToken[32..]}";
            case "expired":
                await using (var connection = await api.OpenDatabaseAsync())
                {
                    await using var command = new NpgsqlCommand("UPDATE sessions SET refreshed_at = now() - interval '31 days' WHERE id = @id", connection);
                    command.Parameters.AddWithValue("id", Guid.ParseExact(id, "N"));
                    await command.ExecuteNonQueryAsync();
                }

                return session.RefreshToken;
            case "revoked":
                (await client.PostAsync("/api/users/logout", token: session.Token)).Status.Should().Be(HttpStatusCode.NoContent);
                return session.RefreshToken;
            case "another-users-secret":
                var other = await client.SignInAsync(await client.RegisterAsync("other"));
                return $"{id}{other.RefreshToken[32..]}";
            case "access-token":
                return session.Token;
            case "jwt-shaped":
                return $"{id}.{session.Token}";
            case "nul-bytes":
                return $"{id}.{new string('\0', 43)}";
            case "huge":
                return $"{id}.{new string('A', 100_000)}";
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
