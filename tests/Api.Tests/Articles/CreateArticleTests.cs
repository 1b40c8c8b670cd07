using System.Net;
using System.Text.RegularExpressions;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

public sealed partial class CreateArticleTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Create_returns_201_with_the_article_as_its_author_sees_it()
    {
        var author = await client.RegisterAsync("author");

        var reply = await client.PostAsync("/api/articles", new { article = new { title = "How to Train Your Dragon!", description = "Ever wonder how?", body = "You have to believe", tagList = new[] { "training", "dragons" } } }, author.Token);

        reply.Status.Should().Be(HttpStatusCode.Created);
        var article = reply.Json!["article"]!;
        article["slug"]!.GetValue<string>().Should().Be("how-to-train-your-dragon");
        article["title"]!.GetValue<string>().Should().Be("How to Train Your Dragon!");
        article["body"]!.GetValue<string>().Should().Be("You have to believe");
        article["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("dragons", "training");
        article["favorited"]!.GetValue<bool>().Should().BeFalse();
        article["favoritesCount"]!.GetValue<int>().Should().Be(0);
        article["author"]!["username"]!.GetValue<string>().Should().Be(author.Username);
        article["author"]!["following"]!.GetValue<bool>().Should().BeFalse();
        var createdAt = article["createdAt"]!.GetValue<string>();
        MillisecondTimestamp().IsMatch(createdAt).Should().BeTrue(createdAt);
        article["updatedAt"]!.GetValue<string>().Should().Be(createdAt);
    }

    [Fact]
    public async Task Duplicate_titles_are_allowed_with_distinct_slugs()
    {
        var author = await client.RegisterAsync("author");
        var title = Unique.Name("Same Title");

        var first = await client.CreateArticleAsync(author, title, tags: ["first"]);
        var second = await client.CreateArticleAsync(author, title, tags: ["second"]);

        second.Should().NotBe(first).And.StartWith(first);
        var secondArticle = (await client.GetAsync($"/api/articles/{second}")).Json!["article"]!;
        secondArticle["title"]!.GetValue<string>().Should().Be(title);
        secondArticle["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("second");
        // The attempt that met the taken slug changed nothing of the article that has it.
        (await client.GetAsync($"/api/articles/{first}")).Json!["article"]!["tagList"]!.AsArray()
            .Select(tag => tag!.GetValue<string>()).Should().Equal("first");
    }

    [Fact]
    public async Task Tags_are_stored_once_each_and_returned_in_alphabetical_order()
    {
        var author = await client.RegisterAsync("author");

        var reply = await client.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b", tagList = new[] { "zeta", "alpha", "mu", "alpha" } } }, author.Token);

        reply.Json!["article"]!["tagList"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Equal("alpha", "mu", "zeta");
    }

    [Theory]
    [InlineData("""{"article":{"title":"t","description":"d","body":"b"}}""")]
    [InlineData("""{"article":{"title":"t","description":"d","body":"b","tagList":null}}""")]
    public async Task Create_without_tagList_or_with_null_has_no_tags(string body)
    {
        var author = await client.RegisterAsync("author");

        var reply = await client.PostAsync("/api/articles", body, author.Token);

        reply.Status.Should().Be(HttpStatusCode.Created);
        reply.Json!["article"]!["tagList"]!.AsArray().Should().BeEmpty();
    }

    [Theory]
    [InlineData("title")]
    [InlineData("description")]
    [InlineData("body")]
    public async Task A_blank_field_is_422_and_creates_nothing(string field)
    {
        var author = await client.RegisterAsync("author");
        var article = new Dictionary<string, object?> { ["title"] = "t", ["description"] = "d", ["body"] = "b" };
        article[field] = "";

        var reply = await client.PostAsync("/api/articles", new { article }, author.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error(field).Should().Be("can't be blank");
        (await client.GetAsync($"/api/articles?author={author.Username}")).Json!["articlesCount"]!.GetValue<int>().Should().Be(0);
    }

    [Theory]
    [InlineData("""{"article":{"title":"t","description":"d","body":"b","tagList":[""]}}""", "tagList")]
    [InlineData("""{"article":{"title":"t","description":"d","body":"b","tagList":"one"}}""", "tagList")]
    [InlineData("""{"title":"t","description":"d","body":"b"}""", "article")]
    public async Task Invalid_tags_or_a_missing_wrapper_are_422(string body, string field)
    {
        var author = await client.RegisterAsync("author");

        var reply = await client.PostAsync("/api/articles", body, author.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Json!["errors"]![field].Should().NotBeNull(reply.Text);
    }

    [Fact]
    public async Task Create_without_a_token_is_401()
    {
        var reply = await client.PostAsync("/api/articles", new { article = new { title = "t", description = "d", body = "b" } });

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is missing");
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex MillisecondTimestamp();
}
