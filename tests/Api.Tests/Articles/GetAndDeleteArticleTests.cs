using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

/// <summary>GetArticle and DeleteArticle.</summary>
public sealed class GetAndDeleteArticleTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Get_shows_favorited_and_following_for_the_caller()
    {
        var author = await client.RegisterAsync("author");
        var reader = await client.RegisterAsync("reader");
        var slug = await client.CreateArticleAsync(author);
        await client.PostAsync($"/api/articles/{slug}/favorite", token: reader.Token);
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: reader.Token);

        var asReader = (await client.GetAsync($"/api/articles/{slug}", reader.Token)).Json!["article"]!;
        var anonymous = (await client.GetAsync($"/api/articles/{slug}")).Json!["article"]!;

        asReader["favorited"]!.GetValue<bool>().Should().BeTrue();
        asReader["favoritesCount"]!.GetValue<int>().Should().Be(1);
        asReader["author"]!["following"]!.GetValue<bool>().Should().BeTrue();
        anonymous["favorited"]!.GetValue<bool>().Should().BeFalse();
        anonymous["favoritesCount"]!.GetValue<int>().Should().Be(1);
        anonymous["author"]!["following"]!.GetValue<bool>().Should().BeFalse();
        anonymous["body"]!.GetValue<string>().Should().Be("the body");
    }

    [Fact]
    public async Task Get_of_an_unknown_slug_is_404_article_not_found()
    {
        var reply = await client.GetAsync($"/api/articles/{Unique.Name("missing")}");

        reply.Status.Should().Be(HttpStatusCode.NotFound);
        reply.Error("article").Should().Be("not found");
    }

    [Fact]
    public async Task Delete_by_the_author_is_204_and_takes_comments_and_favorites_with_it()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author, tags: ["gone"]);
        await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "hi" } }, author.Token);
        await client.PostAsync($"/api/articles/{slug}/favorite", token: author.Token);

        var reply = await client.DeleteAsync($"/api/articles/{slug}", author.Token);

        reply.Status.Should().Be(HttpStatusCode.NoContent);
        reply.Text.Should().BeEmpty();
        (await client.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync($"/api/articles/{slug}/comments")).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/api/articles/{slug}", author.Token)).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_by_a_non_author_is_403_and_the_article_stays()
    {
        var author = await client.RegisterAsync("author");
        var intruder = await client.RegisterAsync("intruder");
        var slug = await client.CreateArticleAsync(author);

        var reply = await client.DeleteAsync($"/api/articles/{slug}", intruder.Token);

        reply.Status.Should().Be(HttpStatusCode.Forbidden);
        reply.Error("article").Should().Be("forbidden");
        (await client.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delete_without_a_token_is_401_and_of_an_unknown_slug_404()
    {
        var user = await client.RegisterAsync("user");

        var anonymous = await client.DeleteAsync($"/api/articles/{Unique.Name("x")}");
        var unknown = await client.DeleteAsync($"/api/articles/{Unique.Name("x")}", user.Token);

        anonymous.Status.Should().Be(HttpStatusCode.Unauthorized);
        anonymous.Error("token").Should().Be("is missing");
        unknown.Status.Should().Be(HttpStatusCode.NotFound);
        unknown.Error("article").Should().Be("not found");
    }
}
