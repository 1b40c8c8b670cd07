using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Articles;

/// <summary>Optimistic concurrency (RFC 9110 If-Match): an edit based on an old read is 412 and changes nothing.</summary>
public sealed class IfMatchTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task An_edit_with_the_current_ETag_applies_and_a_second_editor_with_the_old_one_gets_412()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("editor");
        var slug = await client.CreateArticleAsync(author);
        var read = await EtagOfAsync(client, $"/api/articles/{slug}", author.Token);

        using var first = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { title = "First edit" } }, author.Token, read);
        using var second = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { title = "Second edit" } }, author.Token, read);
        var now = await client.GetAsync($"/api/articles/{slug}");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        (await second.Content.ReadAsStringAsync()).Should().Contain("\"article\"");
        now.Json!["article"]!["title"]!.GetValue<string>().Should().Be("First edit", "the stale edit changed nothing");
    }

    [Fact]
    public async Task A_favorite_is_no_edit_and_does_not_fail_an_editors_If_Match()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("calm");
        var fan = await client.RegisterAsync("fan");
        var slug = await client.CreateArticleAsync(author);
        var read = await EtagOfAsync(client, $"/api/articles/{slug}", author.Token);
        await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);

        using var edit = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { body = "still mine" } }, author.Token, read);

        edit.StatusCode.Should().Be(HttpStatusCode.OK);
        (await EtagOfAsync(client, $"/api/articles/{slug}", author.Token)).Should().NotBe(read, "the representation changed, so its ETag did");
    }

    [Fact]
    public async Task A_delete_with_an_old_ETag_is_412_and_keeps_the_article()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("deleter");
        var slug = await client.CreateArticleAsync(author);
        var read = await EtagOfAsync(client, $"/api/articles/{slug}");
        await client.PutAsync($"/api/articles/{slug}", new { article = new { title = "Changed meanwhile" } }, author.Token);

        using var stale = await SendAsync(client, HttpMethod.Delete, $"/api/articles/{slug}", null, author.Token, read);
        var stillThere = await client.GetAsync($"/api/articles/{slug}");
        using var current = await SendAsync(client, HttpMethod.Delete, $"/api/articles/{slug}", null, author.Token, await EtagOfAsync(client, $"/api/articles/{slug}"));

        stale.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        stillThere.Status.Should().Be(HttpStatusCode.OK);
        current.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData("*", HttpStatusCode.OK)]
    [InlineData("garbage", HttpStatusCode.PreconditionFailed)]
    [InlineData("\"1.1\", \"nonsense\"", HttpStatusCode.PreconditionFailed)]
    public async Task Star_matches_and_garbage_never_does(string ifMatch, HttpStatusCode expected)
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("forms");
        var slug = await client.CreateArticleAsync(author);

        using var edit = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { title = "x" } }, author.Token, ifMatch);

        edit.StatusCode.Should().Be(expected);
    }

    [Fact]
    public async Task A_weak_form_never_matches_and_a_list_with_the_current_tag_does()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("lists");
        var slug = await client.CreateArticleAsync(author);
        var read = await EtagOfAsync(client, $"/api/articles/{slug}", author.Token);

        using var weak = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { title = "weak" } }, author.Token, $"W/{read}");
        using var listed = await SendAsync(client, HttpMethod.Put, $"/api/articles/{slug}", new { article = new { title = "listed" } }, author.Token, $"\"999.1\", {read}");

        weak.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed, "If-Match compares strongly");
        listed.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Updating_the_user_with_an_old_ETag_is_412_and_changes_nothing()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("self");
        var read = await EtagOfAsync(client, "/api/user", user.Token);

        using var first = await SendAsync(client, HttpMethod.Put, "/api/user", new { user = new { bio = "first" } }, user.Token, read);
        using var second = await SendAsync(client, HttpMethod.Put, "/api/user", new { user = new { bio = "second" } }, user.Token, read);
        var now = await client.GetAsync("/api/user", user.Token);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        first.Headers.ETag.Should().NotBeNull();
        second.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        now.Json!["user"]!["bio"]!.GetValue<string>().Should().Be("first");
    }

    private static async Task<string> EtagOfAsync(ConduitClient client, string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        using var response = await client.Http.SendAsync(request);
        return response.Headers.ETag!.ToString();
    }

    private static async Task<HttpResponseMessage> SendAsync(ConduitClient client, HttpMethod method, string path, object? body, string token, string ifMatch)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.Http.SendAsync(request);
    }
}
