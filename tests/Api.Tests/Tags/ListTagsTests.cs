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
}
