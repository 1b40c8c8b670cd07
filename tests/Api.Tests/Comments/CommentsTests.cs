using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Comments;

/// <summary>AddComment, ListComments and DeleteComment.</summary>
public sealed class CommentsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Add_returns_201_with_an_integer_id_and_the_author()
    {
        var author = await client.RegisterAsync("author");
        var commenter = await client.RegisterAsync("commenter");
        var slug = await client.CreateArticleAsync(author);

        var reply = await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "Nice one" } }, commenter.Token);

        reply.Status.Should().Be(HttpStatusCode.Created);
        var comment = reply.Json!["comment"]!;
        comment["id"]!.GetValueKind().Should().Be(System.Text.Json.JsonValueKind.Number);
        comment["body"]!.GetValue<string>().Should().Be("Nice one");
        comment["author"]!["username"]!.GetValue<string>().Should().Be(commenter.Username);
        comment["createdAt"]!.GetValue<string>().Should().EndWith("Z");
    }

    [Fact]
    public async Task List_shows_every_comment_with_following_for_the_caller()
    {
        var author = await client.RegisterAsync("author");
        var commenter = await client.RegisterAsync("commenter");
        var slug = await client.CreateArticleAsync(author);
        await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "first" } }, commenter.Token);
        await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "second" } }, author.Token);
        await client.PostAsync($"/api/profiles/{commenter.Username}/follow", token: author.Token);

        var anonymous = await client.GetAsync($"/api/articles/{slug}/comments");
        var asAuthor = await client.GetAsync($"/api/articles/{slug}/comments", author.Token);

        anonymous.Status.Should().Be(HttpStatusCode.OK);
        anonymous.Json!["comments"]!.AsArray().Select(comment => comment!["body"]!.GetValue<string>()).Should().BeEquivalentTo(["first", "second"]);
        anonymous.Json["comments"]!.AsArray().Should().OnlyContain(comment => !comment!["author"]!["following"]!.GetValue<bool>());
        asAuthor.Json!["comments"]!.AsArray().Single(comment => comment!["body"]!.GetValue<string>() == "first")!["author"]!["following"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task Delete_by_its_author_is_204_and_by_anyone_else_403()
    {
        var author = await client.RegisterAsync("author");
        var commenter = await client.RegisterAsync("commenter");
        var slug = await client.CreateArticleAsync(author);
        var id = (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "mine" } }, commenter.Token)).Json!["comment"]!["id"]!.GetValue<long>();

        var byArticleAuthor = await client.DeleteAsync($"/api/articles/{slug}/comments/{id}", author.Token);
        var byCommenter = await client.DeleteAsync($"/api/articles/{slug}/comments/{id}", commenter.Token);

        byArticleAuthor.Status.Should().Be(HttpStatusCode.Forbidden);
        byArticleAuthor.Error("comment").Should().Be("forbidden");
        byCommenter.Status.Should().Be(HttpStatusCode.NoContent);
        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().BeEmpty();
        (await client.DeleteAsync($"/api/articles/{slug}/comments/{id}", commenter.Token)).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_comment_is_only_found_under_its_own_article()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);
        var otherSlug = await client.CreateArticleAsync(author);
        var id = (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "here" } }, author.Token)).Json!["comment"]!["id"]!.GetValue<long>();

        var reply = await client.DeleteAsync($"/api/articles/{otherSlug}/comments/{id}", author.Token);

        reply.Status.Should().Be(HttpStatusCode.NotFound);
        reply.Error("comment").Should().Be("not found");
        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(1);
    }

    [Fact]
    public async Task Unknown_articles_and_comments_are_404_with_their_keys()
    {
        var user = await client.RegisterAsync("user");
        var slug = await client.CreateArticleAsync(user);
        var missing = Unique.Name("missing");

        (await client.GetAsync($"/api/articles/{missing}/comments")).Error("article").Should().Be("not found");
        var add = await client.PostAsync($"/api/articles/{missing}/comments", new { comment = new { body = "x" } }, user.Token);
        var delete = await client.DeleteAsync($"/api/articles/{slug}/comments/999999999", user.Token);

        add.Status.Should().Be(HttpStatusCode.NotFound);
        add.Error("article").Should().Be("not found");
        delete.Status.Should().Be(HttpStatusCode.NotFound);
        delete.Error("comment").Should().Be("not found");
    }

    [Theory]
    [InlineData("""{"comment":{"body":""}}""", "body")]
    [InlineData("""{"comment":{"body":"   "}}""", "body")]
    [InlineData("""{"comment":{}}""", "body")]
    [InlineData("""{"body":"no wrapper"}""", "comment")]
    public async Task A_blank_comment_is_422_and_stores_nothing(string body, string field)
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);

        var reply = await client.PostAsync($"/api/articles/{slug}/comments", body, author.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Json!["errors"]![field].Should().NotBeNull(reply.Text);
        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().BeEmpty();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999999")]
    public async Task A_non_numeric_comment_id_is_a_4xx_not_a_500(string id)
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);

        var reply = await client.DeleteAsync($"/api/articles/{slug}/comments/{id}", author.Token);

        ((int)reply.Status).Should().BeInRange(400, 499);
        reply.Json!["errors"].Should().NotBeNull();
    }

    [Fact]
    public async Task Adding_and_deleting_need_a_token()
    {
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);

        var add = await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "x" } });
        var delete = await client.DeleteAsync($"/api/articles/{slug}/comments/1");

        add.Status.Should().Be(HttpStatusCode.Unauthorized);
        add.Error("token").Should().Be("is missing");
        delete.Status.Should().Be(HttpStatusCode.Unauthorized);
    }
}
