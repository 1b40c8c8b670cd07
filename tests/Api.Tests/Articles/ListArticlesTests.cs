using System.Net;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

/// <summary>ListArticles and ListFeed: filters, paging, counts and the list item shape.</summary>
public sealed class ListArticlesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task List_items_have_no_body_and_come_newest_first()
    {
        var author = await client.RegisterAsync("lister");
        var older = await client.CreateArticleAsync(author);
        var newer = await client.CreateArticleAsync(author);

        var reply = await client.GetAsync($"/api/articles?author={author.Username}");

        reply.Status.Should().Be(HttpStatusCode.OK);
        Slugs(reply).Should().Equal(newer, older);
        reply.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
        foreach (var item in reply.Json["articles"]!.AsArray())
        {
            item!.AsObject().Select(member => member.Key).Should().BeEquivalentTo(
                ["slug", "title", "description", "tagList", "createdAt", "updatedAt", "favorited", "favoritesCount", "author"]);
        }
    }

    [Fact]
    public async Task Filter_by_tag_author_and_favorited_and_combinations()
    {
        var tag = Unique.Name("tag");
        var alice = await client.RegisterAsync("alice");
        var bob = await client.RegisterAsync("bob");
        var aliceTagged = await client.CreateArticleAsync(alice, tags: [tag]);
        var bobTagged = await client.CreateArticleAsync(bob, tags: [tag, "other"]);
        var bobPlain = await client.CreateArticleAsync(bob);
        await client.PostAsync($"/api/articles/{bobPlain}/favorite", token: alice.Token);
        await client.PostAsync($"/api/articles/{bobTagged}/favorite", token: alice.Token);

        Slugs(await client.GetAsync($"/api/articles?tag={tag}")).Should().BeEquivalentTo([aliceTagged, bobTagged]);
        Slugs(await client.GetAsync($"/api/articles?author={bob.Username}")).Should().Equal(bobPlain, bobTagged);
        Slugs(await client.GetAsync($"/api/articles?author={bob.Username.ToUpperInvariant()}")).Should().HaveCount(2);
        Slugs(await client.GetAsync($"/api/articles?favorited={alice.Username}")).Should().Equal(bobPlain, bobTagged);
        Slugs(await client.GetAsync($"/api/articles?tag={tag}&author={bob.Username}")).Should().Equal(bobTagged);
        Slugs(await client.GetAsync($"/api/articles?tag={tag}&favorited={alice.Username}&author={bob.Username}")).Should().Equal(bobTagged);
        Slugs(await client.GetAsync($"/api/articles?author={Unique.Name("nobody")}")).Should().BeEmpty();
        Slugs(await client.GetAsync($"/api/articles?favorited={bob.Username}")).Should().BeEmpty();
    }

    [Fact]
    public async Task Favorited_and_following_are_computed_for_the_caller()
    {
        var author = await client.RegisterAsync("author");
        var reader = await client.RegisterAsync("reader");
        var slug = await client.CreateArticleAsync(author);
        await client.PostAsync($"/api/articles/{slug}/favorite", token: reader.Token);
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: reader.Token);

        var item = (await client.GetAsync($"/api/articles?author={author.Username}", reader.Token)).Json!["articles"]![0]!;
        var anonymous = (await client.GetAsync($"/api/articles?author={author.Username}")).Json!["articles"]![0]!;

        item["favorited"]!.GetValue<bool>().Should().BeTrue();
        item["favoritesCount"]!.GetValue<int>().Should().Be(1);
        item["author"]!["following"]!.GetValue<bool>().Should().BeTrue();
        anonymous["favorited"]!.GetValue<bool>().Should().BeFalse();
        anonymous["author"]!["following"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task Limit_and_offset_page_through_and_the_count_is_the_total()
    {
        var author = await client.RegisterAsync("pager");
        var slugs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            slugs.Insert(0, await client.CreateArticleAsync(author));
        }

        var first = await client.GetAsync($"/api/articles?author={author.Username}&limit=2");
        var second = await client.GetAsync($"/api/articles?author={author.Username}&limit=2&offset=2");
        var beyond = await client.GetAsync($"/api/articles?author={author.Username}&limit=2&offset=10");

        Slugs(first).Should().Equal(slugs[0], slugs[1]);
        Slugs(second).Should().Equal(slugs[2], slugs[3]);
        Slugs(beyond).Should().BeEmpty();
        first.Json!["articlesCount"]!.GetValue<int>().Should().Be(5);
        beyond.Json!["articlesCount"]!.GetValue<int>().Should().Be(5);
    }

    [Fact]
    public async Task By_tag_alone_pages_newest_first_including_retagged_articles()
    {
        var author = await client.RegisterAsync("tagpager");
        var tag = Unique.Name("paged");
        var oldest = await client.CreateArticleAsync(author, tags: [tag]);
        var middle = await client.CreateArticleAsync(author, tags: ["other"]);
        var newest = await client.CreateArticleAsync(author, tags: [tag, "zzz"]);
        await client.PutAsync($"/api/articles/{middle}", new { article = new { tagList = new[] { tag } } }, author.Token);

        var first = await client.GetAsync($"/api/articles?tag={tag}&limit=2");
        var second = await client.GetAsync($"/api/articles?tag={tag}&limit=2&offset=2");

        Slugs(first).Should().Equal(newest, middle);
        Slugs(second).Should().Equal(oldest);
        first.Json!["articlesCount"]!.GetValue<int>().Should().Be(3);
        first.Json["articles"]![0]!["tagList"]!.AsArray().Select(item => item!.GetValue<string>()).Should().Equal(tag, "zzz");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("offset=abc", "offset")]
    [InlineData("limit=99999999999999999999", "limit")]
    public async Task Bad_paging_is_422_in_the_contract_shape(string query, string field)
    {
        var user = await client.RegisterAsync("pg");

        var list = await client.GetAsync($"/api/articles?{query}");
        var feed = await client.GetAsync($"/api/articles/feed?{query}", user.Token);

        list.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        list.Json!["errors"]![field].Should().NotBeNull(list.Text);
        feed.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        feed.Json!["errors"]![field].Should().NotBeNull(feed.Text);
    }

    [Fact]
    public async Task The_feed_has_only_followed_authors_newest_first()
    {
        var reader = await client.RegisterAsync("reader");
        var followed = await client.RegisterAsync("followed");
        var stranger = await client.RegisterAsync("stranger");
        var old = await client.CreateArticleAsync(followed);
        await client.CreateArticleAsync(stranger);
        var fresh = await client.CreateArticleAsync(followed);
        await client.PostAsync($"/api/profiles/{followed.Username}/follow", token: reader.Token);

        var feed = await client.GetAsync("/api/articles/feed", reader.Token);
        var page = await client.GetAsync("/api/articles/feed?limit=1&offset=1", reader.Token);

        feed.Status.Should().Be(HttpStatusCode.OK);
        Slugs(feed).Should().Equal(fresh, old);
        feed.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
        feed.Json["articles"]![0]!["author"]!["following"]!.GetValue<bool>().Should().BeTrue();
        feed.Json["articles"]![0]!["body"].Should().BeNull();
        Slugs(page).Should().Equal(old);
        page.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
    }

    [Fact]
    public async Task The_feed_of_someone_who_follows_nobody_is_empty_and_needs_a_token()
    {
        var loner = await client.RegisterAsync("loner");

        var feed = await client.GetAsync("/api/articles/feed", loner.Token);
        var anonymous = await client.GetAsync("/api/articles/feed");

        feed.Json!["articles"]!.AsArray().Should().BeEmpty();
        feed.Json["articlesCount"]!.GetValue<int>().Should().Be(0);
        anonymous.Status.Should().Be(HttpStatusCode.Unauthorized);
        anonymous.Error("token").Should().Be("is missing");
    }

    private static List<string> Slugs(Reply reply)
    {
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        return [.. reply.Json!["articles"]!.AsArray().Select(item => item!["slug"]!.GetValue<string>())];
    }
}
