using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;
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
