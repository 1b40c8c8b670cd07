using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

public sealed class UpdateArticleTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Update_right_after_create_changes_updatedAt_but_not_createdAt()
    {
        var author = await client.RegisterAsync("author");
        var created = await client.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b" } }, author.Token);
        var slug = created.Json!["article"]!["slug"]!.GetValue<string>();

        var reply = await client.PutAsync($"/api/articles/{slug}", new { article = new { body = "new body" } }, author.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        var article = reply.Json!["article"]!;
        article["body"]!.GetValue<string>().Should().Be("new body");
        article["title"]!.GetValue<string>().Should().Be("t");
        article["createdAt"]!.GetValue<string>().Should().Be(created.Json["article"]!["createdAt"]!.GetValue<string>());
        DateTime.Parse(article["updatedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeAfter(DateTime.Parse(article["createdAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_new_title_keeps_the_slug_so_links_keep_working()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author, "Original Title");

        var reply = await client.PutAsync($"/api/articles/{slug}", new { article = new { title = "A Better Title" } }, author.Token);

        reply.Json!["article"]!["title"]!.GetValue<string>().Should().Be("A Better Title");
        reply.Json["article"]!["slug"]!.GetValue<string>().Should().Be(slug);
    }

    [Fact]
    public async Task Omitted_tagList_keeps_the_tags_and_an_empty_one_clears_them()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author, tags: ["keep", "these"]);

        var kept = await client.PutAsync($"/api/articles/{slug}", new { article = new { description = "changed" } }, author.Token);
        var replaced = await client.PutAsync($"/api/articles/{slug}", new { article = new { tagList = new[] { "zz", "new" } } }, author.Token);
        var cleared = await client.PutAsync($"/api/articles/{slug}", new { article = new { tagList = Array.Empty<string>() } }, author.Token);

        kept.Json!["article"]!["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("keep", "these");
        replaced.Json!["article"]!["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("new", "zz");
        cleared.Json!["article"]!["tagList"]!.AsArray().Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"article":{"tagList":null}}""", "tagList")]
    [InlineData("""{"article":{"title":""}}""", "title")]
    [InlineData("""{"article":{"title":null}}""", "title")]
    [InlineData("""{"article":{"body":""}}""", "body")]
    [InlineData("""{"article":{"description":"   "}}""", "description")]
    [InlineData("""{"title":"no wrapper"}""", "article")]
    public async Task Invalid_changes_are_422_and_change_nothing(string body, string field)
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author, "Stable", ["kept"]);

        var reply = await client.PutAsync($"/api/articles/{slug}", body, author.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Json!["errors"]![field].Should().NotBeNull(reply.Text);
        var article = (await client.GetAsync($"/api/articles/{slug}")).Json!["article"]!;
        article["title"]!.GetValue<string>().Should().Be("Stable");
        article["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("kept");
    }

    [Fact]
    public async Task An_update_by_a_non_author_is_403_and_changes_nothing()
    {
        var author = await client.RegisterAsync("author");
        var intruder = await client.RegisterAsync("intruder");
        var slug = await client.CreateArticleAsync(author, "Mine");

        var reply = await client.PutAsync($"/api/articles/{slug}", new { article = new { title = "Yours now" } }, intruder.Token);

        reply.Status.Should().Be(HttpStatusCode.Forbidden);
        reply.Error("article").Should().Be("forbidden");
        (await client.GetAsync($"/api/articles/{slug}")).Json!["article"]!["title"]!.GetValue<string>().Should().Be("Mine");
    }

    [Fact]
    public async Task An_unknown_article_is_404_and_no_token_is_401()
    {
        var user = await client.RegisterAsync("user");

        var unknown = await client.PutAsync($"/api/articles/{Unique.Name("nope")}", new { article = new { title = "x" } }, user.Token);
        var anonymous = await client.PutAsync($"/api/articles/{Unique.Name("nope")}", new { article = new { title = "x" } });

        unknown.Status.Should().Be(HttpStatusCode.NotFound);
        unknown.Error("article").Should().Be("not found");
        anonymous.Status.Should().Be(HttpStatusCode.Unauthorized);
        anonymous.Error("token").Should().Be("is missing");
    }
}
