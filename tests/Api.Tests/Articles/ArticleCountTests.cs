using System.Net;
using Conduit.Tests.Infrastructure;
using Npgsql;

namespace Conduit.Tests.Articles;

/// <summary>The unfiltered articlesCount comes from a trigger-kept counter (migration 0002): it must stay exact.</summary>
public sealed class ArticleCountTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task The_total_follows_creates_deletes_cascades_and_concurrent_writes()
    {
        var author = await client.RegisterAsync("counted");
        var leaving = await client.RegisterAsync("leaving");
        var slugs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.CreateArticleAsync(author)));
        await client.CreateArticleAsync(leaving);
        await client.CreateArticleAsync(leaving);
        await Task.WhenAll(slugs.Take(5).Select(slug => client.DeleteAsync($"/api/articles/{slug}", author.Token)));
        (await TotalAsync()).Should().Be(await CountRowsAsync()).And.Be(17);

        // A user deleted with their articles (ON DELETE CASCADE) is counted out too.
        await ExecuteAsync("DELETE FROM users WHERE username = @name", leaving.Username);

        (await TotalAsync()).Should().Be(await CountRowsAsync()).And.Be(15);
    }

    private async Task<long> TotalAsync()
    {
        var reply = await client.GetAsync("/api/articles?limit=1");
        reply.Status.Should().Be(HttpStatusCode.OK);
        return reply.Json!["articlesCount"]!.GetValue<long>();
    }

    private async Task<long> CountRowsAsync()
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM articles", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, string name)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync();
    }
}
