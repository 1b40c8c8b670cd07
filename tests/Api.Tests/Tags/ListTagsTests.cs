using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Tags;

public sealed class ListTagsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Every_tag_in_use_is_listed_without_a_top_N_cut()
    {
        var author = await client.RegisterAsync("tagger");
        var prefix = Unique.Name("t");
        var tags = Enumerable.Range(0, 30).Select(i => $"{prefix}-{i:D2}").ToArray();
        for (var i = 0; i < tags.Length; i += 10)
        {
            await client.CreateArticleAsync(author, tags: tags[i..(i + 10)]);
        }

        var reply = await client.GetAsync("/api/tags");

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Contain(tags).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Tags_of_a_deleted_article_are_no_longer_listed()
    {
        var author = await client.RegisterAsync("tagger");
        var tag = Unique.Name("ephemeral");
        var slug = await client.CreateArticleAsync(author, tags: [tag]);

        await client.DeleteAsync($"/api/articles/{slug}", author.Token);
        var reply = await client.GetAsync("/api/tags");

        reply.Json!["tags"]!.AsArray().Select(item => item!.GetValue<string>()).Should().NotContain(tag);
    }

    [Fact]
    public async Task A_tags_last_use_going_while_a_new_one_comes_leaves_it_listed()
    {
        // Migration 0014: losing the last use and gaining a new one race on the tag's in-use flag.
        var author = await client.RegisterAsync("tagger");
        var tag = Unique.Name("contested");
        var current = await client.CreateArticleAsync(author, tags: [tag]);
        for (var round = 0; round < 15; round++)
        {
            var created = client.CreateArticleAsync(author, tags: [tag]);
            var deleted = client.DeleteAsync($"/api/articles/{current}", author.Token);
            await Task.WhenAll(created, deleted);
            current = await created;

            (await TagsAsync()).Should().Contain(tag, $"round {round}: an article still has it");
        }

        await client.DeleteAsync($"/api/articles/{current}", author.Token);
        (await TagsAsync()).Should().NotContain(tag);
    }

    private async Task<string[]> TagsAsync() =>
        [.. (await client.GetAsync("/api/tags")).Json!["tags"]!.AsArray().Select(item => item!.GetValue<string>())];
}
