using System.Net;
using System.Net.Http.Headers;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Caching;

/// <summary>ETag and If-None-Match on every GET (RFC 9110 §13.1.2), and headers that keep shared caches honest.</summary>
public sealed class ConditionalGetTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_GET_has_an_ETag_that_a_matching_If_None_Match_turns_into_304_without_a_body()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("etag");
        var slug = await client.CreateArticleAsync(user);
        string[] paths = ["/api/tags", "/api/articles", $"/api/articles/{slug}", $"/api/articles/{slug}/comments", $"/api/profiles/{user.Username}", "/api/user", "/api/articles/feed"];

        foreach (var path in paths)
        {
            using var first = await SendAsync(client, path, user.Token);
            var etag = first.Headers.ETag;
            etag.Should().NotBeNull(path);

            using var again = await SendAsync(client, path, user.Token, etag!.ToString());

            again.StatusCode.Should().Be(HttpStatusCode.NotModified, path);
            (await again.Content.ReadAsByteArrayAsync()).Should().BeEmpty(path);
            again.Headers.ETag.Should().Be(etag, path);
        }
    }

    [Fact]
    public async Task A_change_gives_a_new_ETag_and_the_old_one_gets_the_full_answer()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("change");
        var slug = await client.CreateArticleAsync(user);
        using var before = await SendAsync(client, $"/api/articles/{slug}");

        await client.PostAsync($"/api/articles/{slug}/favorite", token: user.Token);
        using var after = await SendAsync(client, $"/api/articles/{slug}", ifNoneMatch: before.Headers.ETag!.ToString());

        after.StatusCode.Should().Be(HttpStatusCode.OK);
        after.Headers.ETag.Should().NotBe(before.Headers.ETag);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("\"unterminated")]
    [InlineData("W/")]
    [InlineData(",,,")]
    public async Task An_unreadable_If_None_Match_gets_the_full_answer(string header)
    {
        using var client = api.CreateConduitClient();

        using var response = await SendAsync(client, "/api/tags", ifNoneMatch: header);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Star_a_long_list_and_a_weak_form_of_a_strong_tag_all_match()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("forms");
        var slug = await client.CreateArticleAsync(user);
        using var first = await SendAsync(client, $"/api/articles/{slug}");
        var strong = first.Headers.ETag!;
        strong.IsWeak.Should().BeFalse("an article's ETag is its version, the one If-Match will compare");
        var list = string.Join(", ", Enumerable.Range(0, 99).Select(i => $"\"other-{i}\"").Append(strong.ToString()));

        using var star = await SendAsync(client, $"/api/articles/{slug}", ifNoneMatch: "*");
        using var longList = await SendAsync(client, $"/api/articles/{slug}", ifNoneMatch: list);
        using var weak = await SendAsync(client, $"/api/articles/{slug}", ifNoneMatch: $"W/{strong}");
        using var unknown = await SendAsync(client, "/api/articles/no-such-article", ifNoneMatch: "*");

        star.StatusCode.Should().Be(HttpStatusCode.NotModified);
        longList.StatusCode.Should().Be(HttpStatusCode.NotModified);
        weak.StatusCode.Should().Be(HttpStatusCode.NotModified, "If-None-Match compares weakly");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound, "* matches only a current representation");
    }

    [Fact]
    public async Task Answers_vary_by_Authorization_and_a_signed_in_answer_is_private()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("private");

        using var anonymous = await SendAsync(client, "/api/articles");
        using var signedIn = await SendAsync(client, "/api/articles", user.Token);

        anonymous.Headers.Vary.Should().Contain("Authorization");
        anonymous.Headers.CacheControl!.NoCache.Should().BeTrue();
        anonymous.Headers.CacheControl.Private.Should().BeFalse();
        signedIn.Headers.Vary.Should().Contain("Authorization");
        signedIn.Headers.CacheControl!.Private.Should().BeTrue();
    }

    private static async Task<HttpResponseMessage> SendAsync(ConduitClient client, string path, string? token = null, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await client.Http.SendAsync(request);
    }
}
