using System.Net;
using Conduit.Infrastructure.Auth;
using Conduit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary>Races decided by the database: counters stay exact, uniqueness holds, nothing 5xx.</summary>
public sealed class ConcurrencyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Two_hundred_users_favoriting_at_once_count_exactly_200_then_0()
    {
        var author = await client.RegisterAsync("popular");
        var slug = await client.CreateArticleAsync(author);
        var tokens = await CreateUsersAsync(200);

        var favorites = await Task.WhenAll(tokens.Select(token => client.PostAsync($"/api/articles/{slug}/favorite", token: token)));
        var afterFavorites = await client.GetAsync($"/api/articles/{slug}");
        var unfavorites = await Task.WhenAll(tokens.Select(token => client.DeleteAsync($"/api/articles/{slug}/favorite", token)));
        var afterUnfavorites = await client.GetAsync($"/api/articles/{slug}");

        favorites.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK);
        afterFavorites.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(200);
        unfavorites.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK);
        afterUnfavorites.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(0);
        (await CountAsync("SELECT count(*) FROM favorites")).Should().Be(0);
    }

    [Theory]
    [InlineData("username")]
    [InlineData("email")]
    public async Task Fifty_concurrent_registrations_of_one_name_give_one_201_and_49_409(string shared)
    {
        var name = Unique.Name("race");
        var attempts = Enumerable.Range(0, 50).Select(i => client.PostAsync("/api/users", new
        {
            user = new
            {
                username = shared == "username" ? name : $"{name}_{i}",
                email = shared == "email" ? $"{name}@example.test" : $"{name}_{i}@example.test",
                password = "password123",
            },
        }));

        var replies = await Task.WhenAll(attempts);

        replies.Count(reply => reply.Status == HttpStatusCode.Created).Should().Be(1);
        replies.Where(reply => reply.Status != HttpStatusCode.Created).Should().HaveCount(49)
            .And.OnlyContain(reply => reply.Status == HttpStatusCode.Conflict && reply.Error(shared) == "has already been taken");
    }

    [Fact]
    public async Task Fifty_concurrent_creates_with_one_title_all_succeed_with_distinct_slugs()
    {
        var author = await client.RegisterAsync("prolific");
        var title = Unique.Name("Same title");

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            client.PostAsync("/api/articles", new { article = new { title, description = "d", body = "b", tagList = new[] { "race", "same" } } }, author.Token)));

        replies.Should().OnlyContain(reply => reply.Status == HttpStatusCode.Created);
        replies.Select(reply => reply.Json!["article"]!["slug"]!.GetValue<string>()).Should().OnlyHaveUniqueItems().And.HaveCount(50);
        (await client.GetAsync($"/api/articles?author={author.Username}")).Json!["articlesCount"]!.GetValue<int>().Should().Be(50);
    }

    [Fact]
    public async Task Concurrent_follow_and_unfollow_toggles_end_consistent()
    {
        var celeb = await client.RegisterAsync("celeb");
        var fan = await client.RegisterAsync("fan");

        var toggles = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => i % 2 == 0
            ? client.PostAsync($"/api/profiles/{celeb.Username}/follow", token: fan.Token)
            : client.DeleteAsync($"/api/profiles/{celeb.Username}/follow", fan.Token)));

        toggles.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK);
        var shown = (await client.GetAsync($"/api/profiles/{celeb.Username}", fan.Token)).Json!["profile"]!["following"]!.GetValue<bool>();
        var rows = await CountAsync("SELECT count(*) FROM follows");
        rows.Should().Be(shown ? 1 : 0, "the profile shows exactly what the table holds");
        (await client.PostAsync($"/api/profiles/{celeb.Username}/follow", token: fan.Token)).Json!["profile"]!["following"]!.GetValue<bool>().Should().BeTrue();
        (await CountAsync("SELECT count(*) FROM follows")).Should().Be(1);
    }

    [Fact]
    public async Task Concurrent_comments_and_a_delete_of_the_article_leave_no_orphans()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);
        var tokens = await CreateUsersAsync(30);

        var comments = tokens.Select(token => client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "racing" } }, token));
        var favorites = tokens.Select(token => client.PostAsync($"/api/articles/{slug}/favorite", token: token));
        var delete = client.DeleteAsync($"/api/articles/{slug}", author.Token);
        var replies = await Task.WhenAll(comments.Concat(favorites).Append(delete));

        replies.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK || reply.Status == HttpStatusCode.Created
            || reply.Status == HttpStatusCode.NoContent || reply.Status == HttpStatusCode.NotFound);
        (await CountAsync("SELECT count(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = c.article_id)")).Should().Be(0);
        (await CountAsync("SELECT count(*) FROM favorites f WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = f.article_id)")).Should().Be(0);
    }

    /// <summary>Users (and a session each) inserted directly, with tokens from the API's own issuer: hashing 200 passwords would only test PBKDF2.</summary>
    private async Task<string[]> CreateUsersAsync(int count)
    {
        var prefix = Unique.Name("crowd");
        await using var connection = await api.OpenDatabaseAsync();
        await using var insert = new NpgsqlCommand("""
            WITH created AS (
                INSERT INTO users (username, email, password_hash)
                SELECT @prefix || '_' || n, @prefix || '_' || n || '@example.test', 'not-a-usable-hash'
                FROM generate_series(1, @count) AS n
                RETURNING id)
            INSERT INTO sessions (id, user_id, refresh_hash)
            SELECT gen_random_uuid(), id, '\x00' FROM created
            RETURNING user_id, id
            """, connection);
        insert.Parameters.AddWithValue("prefix", prefix);
        insert.Parameters.AddWithValue("count", count);
        var issuer = api.Services.GetRequiredService<TokenIssuer>();
        var tokens = new List<string>();
        await using var reader = await insert.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tokens.Add(issuer.Issue(reader.GetInt64(0), reader.GetGuid(1), DateTime.UtcNow, DateTime.UtcNow.AddHours(1)));
        }

        return [.. tokens];
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
