using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

/// <summary>FavoriteArticle and UnfavoriteArticle.</summary>
public sealed class FavoriteArticleTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Favorite_and_unfavorite_update_the_flag_and_the_count()
    {
        var author = await client.RegisterAsync("author");
        var fan = await client.RegisterAsync("fan");
        var other = await client.RegisterAsync("other");
        var slug = await client.CreateArticleAsync(author);

        var first = await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        var second = await client.PostAsync($"/api/articles/{slug}/favorite", token: other.Token);
        var removed = await client.DeleteAsync($"/api/articles/{slug}/favorite", fan.Token);

        first.Status.Should().Be(HttpStatusCode.OK);
        first.Json!["article"]!["favorited"]!.GetValue<bool>().Should().BeTrue();
        first.Json["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
        second.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(2);
        removed.Status.Should().Be(HttpStatusCode.OK);
        removed.Json!["article"]!["favorited"]!.GetValue<bool>().Should().BeFalse();
        removed.Json["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Favoriting_twice_and_unfavoriting_twice_are_idempotent()
    {
        var author = await client.RegisterAsync("author");
        var fan = await client.RegisterAsync("fan");
        var slug = await client.CreateArticleAsync(author);

        await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        var twice = await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        await client.DeleteAsync($"/api/articles/{slug}/favorite", fan.Token);
        var unfavoritedTwice = await client.DeleteAsync($"/api/articles/{slug}/favorite", fan.Token);

        twice.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
        unfavoritedTwice.Status.Should().Be(HttpStatusCode.OK);
        unfavoritedTwice.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(0);
    }

    [Fact]
    public async Task Favoriting_a_deleted_article_is_404_and_leaves_no_row()
    {
        var author = await client.RegisterAsync("author");
        var fan = await client.RegisterAsync("fan");
        var slug = await client.CreateArticleAsync(author);
        await client.DeleteAsync($"/api/articles/{slug}", author.Token);

        var favorite = await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        var unfavorite = await client.DeleteAsync($"/api/articles/{slug}/favorite", fan.Token);

        favorite.Status.Should().Be(HttpStatusCode.NotFound);
        favorite.Error("article").Should().Be("not found");
        unfavorite.Status.Should().Be(HttpStatusCode.NotFound);
        await using var connection = await api.OpenDatabaseAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM favorites f LEFT JOIN articles a ON a.id = f.article_id WHERE a.id IS NULL";
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(0);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Without_a_token_it_is_401(string method)
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);

        var reply = await client.SendAsync(new HttpMethod(method), $"/api/articles/{slug}/favorite");

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is missing");
    }
}
