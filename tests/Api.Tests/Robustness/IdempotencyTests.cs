using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Tests.Admin;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary><c>Idempotency-Key</c> on POST: a retry gets the first answer, never a second effect.</summary>
public sealed class IdempotencyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_retried_create_gets_the_first_answer_replayed_and_makes_one_article()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("retrier");
        var key = Guid.NewGuid().ToString();
        var article = new { article = new { title = Unique.Name("Once"), description = "d", body = "b", tagList = new[] { "x" } } };

        using var first = await PostAsync(client, "/api/articles", article, key, author.Token);
        using var retry = await PostAsync(client, "/api/articles", article, key, author.Token);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        first.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        retry.Headers.Location.Should().Be(first.Headers.Location);
        (await retry.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        (await CountAsync("SELECT count(*) FROM articles WHERE author_id = (SELECT id FROM users WHERE username = @name)", author.Username)).Should().Be(1);
    }

    [Fact]
    public async Task A_retry_through_another_instance_is_replayed_too()
    {
        using var other = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(other.CreateClient());
        var author = await a.RegisterAsync("roamer");
        var slug = await a.CreateArticleAsync(author);
        var key = Guid.NewGuid().ToString();
        var comment = new { comment = new { body = "posted once" } };

        using var first = await PostAsync(a, $"/api/articles/{slug}/comments", comment, key, author.Token);
        using var retry = await PostAsync(b, $"/api/articles/{slug}/comments", comment, key, author.Token);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.Headers.Contains("Idempotent-Replayed").Should().BeTrue();
        (await a.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(1);
    }

    [Fact]
    public async Task Fifty_identical_requests_at_once_with_one_key_have_exactly_one_effect()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("storm");
        var key = Guid.NewGuid().ToString();
        var article = new { article = new { title = Unique.Name("Storm"), description = "d", body = "b" } };

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => PostAsync(client, "/api/articles", article, key, author.Token)));
        var afterwards = await PostAsync(client, "/api/articles", article, key, author.Token);

        replies.Count(reply => reply.StatusCode == HttpStatusCode.Created && !reply.Headers.Contains("Idempotent-Replayed")).Should().Be(1);
        replies.Should().OnlyContain(reply => reply.StatusCode == HttpStatusCode.Created || reply.StatusCode == HttpStatusCode.Conflict);
        afterwards.StatusCode.Should().Be(HttpStatusCode.Created);
        afterwards.Headers.Contains("Idempotent-Replayed").Should().BeTrue();
        (await CountAsync("SELECT count(*) FROM articles WHERE author_id = (SELECT id FROM users WHERE username = @name)", author.Username)).Should().Be(1);
        foreach (var reply in replies)
        {
            reply.Dispose();
        }

        afterwards.Dispose();
    }

    [Fact]
    public async Task The_same_key_with_another_body_or_on_another_endpoint_is_422()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("mixer");
        var slug = await client.CreateArticleAsync(author);
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(client, "/api/articles", new { article = new { title = Unique.Name("A"), description = "d", body = "b" } }, key, author.Token);

        using var otherBody = await PostAsync(client, "/api/articles", new { article = new { title = Unique.Name("B"), description = "d", body = "b" } }, key, author.Token);
        using var otherEndpoint = await PostAsync(client, $"/api/articles/{slug}/comments", new { comment = new { body = "hi" } }, key, author.Token);

        otherBody.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await Json(otherBody))["errors"]!["idempotencyKey"]![0]!.GetValue<string>().Should().Contain("different request body");
        otherEndpoint.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await Json(otherEndpoint))["errors"]!["idempotencyKey"]![0]!.GetValue<string>().Should().Contain("another endpoint");
    }

    [Fact]
    public async Task A_failed_first_request_keeps_nothing_so_a_corrected_retry_runs()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("fixer");
        var key = Guid.NewGuid().ToString();

        using var invalid = await PostAsync(client, "/api/articles", new { article = new { title = "", description = "d", body = "b" } }, key, author.Token);
        using var corrected = await PostAsync(client, "/api/articles", new { article = new { title = Unique.Name("Fixed"), description = "d", body = "b" } }, key, author.Token);

        invalid.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        corrected.StatusCode.Should().Be(HttpStatusCode.Created);
        corrected.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
    }

    [Fact]
    public async Task Keys_belong_to_their_caller_and_an_anonymous_sign_up_is_replayed_by_address()
    {
        using var client = api.CreateConduitClient();
        var key = Guid.NewGuid().ToString();
        var name = Unique.Name("signup");
        var body = new { user = new { username = name, email = $"{name}@example.test", password = "password123" } };

        using var first = await PostAsync(client, "/api/users", body, key);
        using var retry = await PostAsync(client, "/api/users", body, key);
        using var elsewhere = await PostAsync(api.CreateConduitClient(), "/api/users", body, key);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.Headers.Contains("Idempotent-Replayed").Should().BeTrue();
        elsewhere.StatusCode.Should().Be(HttpStatusCode.Conflict, "another address is another caller: its request runs, and the name is taken");
        await using var connection = await api.OpenDatabaseAsync();
        await using var stored = new NpgsqlCommand("SELECT body FROM idempotency_keys WHERE key = @key", connection);
        stored.Parameters.AddWithValue("key", key);
        var sealedBody = (byte[])(await stored.ExecuteScalarAsync())!;
        System.Text.Encoding.UTF8.GetString(sealedBody).Should().NotContain("token", "kept answers are encrypted");
    }

    [Theory]
    [InlineData("\u007f")]
    [InlineData("é-not-ascii")]
    [InlineData("tab\tinside")]
    public async Task A_malformed_key_is_422(string key)
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("badkey");

        using var reply = await PostAsync(client, "/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, key, author.Token);

        reply.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await Json(reply))["errors"]!["idempotencyKey"].Should().NotBeNull();
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_422()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("longkey");

        using var reply = await PostAsync(client, "/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, new string('k', 256), author.Token);

        reply.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_spent_refresh_token_retried_with_its_key_runs_again_and_ends_the_session()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Sessions:RefreshReuseInterval", "00:00:01"));
        using var client = new ConduitClient(factory.CreateClient());
        var user = await client.RegisterAsync("rotator");
        var t0 = await client.SignInAsync(user);
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(client, "/api/users/refresh", new { refreshToken = t0.RefreshToken }, key);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var t2 = await client.RefreshAsync((await Json(first))["user"]!["refreshToken"]!.GetValue<string>());
        t2.Status.Should().Be(HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        using var retry = await PostAsync(client, "/api/users/refresh", new { refreshToken = t0.RefreshToken }, key);

        retry.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "T0 is spent: presented again past the reuse interval it is a replay");
        retry.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        (await client.RefreshAsync(t2.Json!["user"]!["refreshToken"]!.GetValue<string>())).Status.Should().Be(HttpStatusCode.Unauthorized, "the replay ended the session");
        var token = t2.Json!["user"]!["token"]!.GetValue<string>();
        (await ConduitClient.UntilAsync(() => client.GetAsync("/api/user", token), HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(3)))
            .Should().BeLessThan(TimeSpan.FromSeconds(3), "T2's access token dies with its session");
    }

    [Fact]
    public async Task A_login_retried_with_its_key_after_a_suspension_is_refused_not_replayed()
    {
        using var client = api.CreateConduitClient();
        var moderator = await api.WithRoleAsync(client, "moderator");
        var user = await client.RegisterAsync("relogin");
        var key = Guid.NewGuid().ToString();
        var login = new { user = new { email = user.Email, password = "password123" } };
        using var first = await PostAsync(client, "/api/users/login", login, key);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        using var retry = await PostAsync(client, "/api/users/login", login, key);

        retry.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        retry.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        (await Json(retry))["errors"]!["user"]![0]!.GetValue<string>().Should().Be("suspended");
    }

    [Fact]
    public async Task A_sign_up_is_replayed_only_while_its_session_lives_and_its_user_is_not_suspended()
    {
        using var client = api.CreateConduitClient();
        var moderator = await api.WithRoleAsync(client, "moderator");
        var (endedBody, endedKey) = (NewUser("ended"), Guid.NewGuid().ToString());
        var (suspendedBody, suspendedKey) = (NewUser("suspended"), Guid.NewGuid().ToString());
        using var ended = await PostAsync(client, "/api/users", endedBody, endedKey);
        using var suspended = await PostAsync(client, "/api/users", suspendedBody, suspendedKey);
        ended.StatusCode.Should().Be(HttpStatusCode.Created);
        suspended.StatusCode.Should().Be(HttpStatusCode.Created);
        (await client.PostAsync("/api/users/logout", token: (await Json(ended))["user"]!["token"]!.GetValue<string>())).Status.Should().Be(HttpStatusCode.NoContent);
        var suspendedName = (await Json(suspended))["user"]!["username"]!.GetValue<string>();
        (await client.PostAsync($"/api/admin/users/{suspendedName}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        using var afterLogout = await PostAsync(client, "/api/users", endedBody, endedKey);
        using var afterSuspension = await PostAsync(client, "/api/users", suspendedBody, suspendedKey);

        foreach (var retry in new[] { afterLogout, afterSuspension })
        {
            retry.StatusCode.Should().Be(HttpStatusCode.Conflict, "the request runs as without a key, and the account exists");
            retry.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
            (await Json(retry))["errors"].Should().NotBeNull();
        }

        static object NewUser(string prefix)
        {
            var name = Unique.Name(prefix);
            return new { user = new { username = name, email = $"{name}@example.test", password = "password123" } };
        }
    }

    [Fact]
    public async Task Beyond_the_cap_of_kept_answers_a_caller_gets_429_until_its_oldest_key_expires_and_replays_still_work()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Idempotency:MaxKeysPerCaller", "5"));
        using var client = new ConduitClient(factory.CreateClient());
        var author = await client.RegisterAsync("hoarder");
        var neighbour = await client.RegisterAsync("neighbour");
        var slug = await client.CreateArticleAsync(author);
        var keys = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid().ToString()).ToArray();
        for (var i = 0; i < 5; i++)
        {
            using var kept = await PostAsync(client, $"/api/articles/{slug}/comments", Comment(i), keys[i], author.Token);
            kept.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        using var sixth = await PostAsync(client, $"/api/articles/{slug}/comments", Comment(5), keys[5], author.Token);
        var expected = await SecondsUntilExpiryAsync(keys[0]);
        using var replay = await PostAsync(client, $"/api/articles/{slug}/comments", Comment(0), keys[0], author.Token);
        using var someoneElse = await PostAsync(client, $"/api/articles/{slug}/comments", Comment(5), keys[5], neighbour.Token);

        sixth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        sixth.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(expected - 2, expected + 1, "the oldest key frees its place when it expires");
        (await Json(sixth))["errors"]!["idempotencyKey"]![0]!.GetValue<string>().Should().NotBeNullOrEmpty();
        replay.StatusCode.Should().Be(HttpStatusCode.Created);
        replay.Headers.Contains("Idempotent-Replayed").Should().BeTrue();
        someoneElse.StatusCode.Should().Be(HttpStatusCode.Created, "the cap is per caller");
        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(6, "five of the author's, one of the neighbour's; the sixth never ran");

        static object Comment(int i) => new { comment = new { body = $"kept {i}" } };
    }

    [Fact]
    public async Task Concurrent_new_keys_of_one_caller_through_two_instances_never_pass_the_cap()
    {
        using var a = api.WithWebHostBuilder(builder => builder.UseSetting("Idempotency:MaxKeysPerCaller", "5"));
        using var b = api.WithWebHostBuilder(builder => builder.UseSetting("Idempotency:MaxKeysPerCaller", "5"));
        using var one = new ConduitClient(a.CreateClient());
        using var two = new ConduitClient(b.CreateClient());
        var author = await one.RegisterAsync("flooder");
        var slug = await one.CreateArticleAsync(author);

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            PostAsync(i % 2 == 0 ? one : two, $"/api/articles/{slug}/comments", new { comment = new { body = $"flood {i}" } }, Guid.NewGuid().ToString(), author.Token)));

        replies.Count(reply => reply.StatusCode == HttpStatusCode.Created).Should().Be(5);
        replies.Count(reply => reply.StatusCode == HttpStatusCode.TooManyRequests).Should().Be(35);
        (await CountAsync("SELECT count(*) FROM idempotency_keys WHERE scope = 'user:' || (SELECT id FROM users WHERE username = @name)", author.Username)).Should().Be(5);
        foreach (var reply in replies)
        {
            reply.Dispose();
        }
    }

    private async Task<double> SecondsUntilExpiryAsync(string key)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT extract(epoch FROM created_at + interval '1 day' - now())::float8 FROM idempotency_keys WHERE key = @key", connection);
        command.Parameters.AddWithValue("key", key);
        return (double)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<HttpResponseMessage> PostAsync(ConduitClient client, string path, object body, string key, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        }

        return await client.Http.SendAsync(request);
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private async Task<long> CountAsync(string sql, string name)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
