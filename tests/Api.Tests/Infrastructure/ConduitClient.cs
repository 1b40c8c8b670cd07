using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Conduit.Tests.Infrastructure;

/// <summary>Speaks the contract over HTTP: raw JSON in, status and JSON out.</summary>
public sealed class ConduitClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public async Task<Reply> SendAsync(HttpMethod method, string path, object? body = null, string? token = null, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (forwardedFor is not null)
        {
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? null : JsonNode.Parse(text);
        LeakGuard.Check(response.StatusCode, json, text);
        return new Reply(response.StatusCode, json, response.Content.Headers.ContentType?.MediaType, text);
    }

    public Task<Reply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<Reply> PostAsync(string path, object? body = null, string? token = null) => SendAsync(HttpMethod.Post, path, body, token);

    public Task<Reply> PutAsync(string path, object? body = null, string? token = null) => SendAsync(HttpMethod.Put, path, body, token);

    public Task<Reply> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, null, token);

    /// <summary>Registers a fresh user, signing up from a device of its own; returns its username and token.</summary>
    public async Task<TestUser> RegisterAsync(string prefix = "user")
    {
        var username = Unique.Name(prefix);
        var reply = await SendAsync(HttpMethod.Post, "/api/users", new { user = new { username, email = $"{username}@example.test", password = "password123" } }, forwardedFor: ClientAddresses.Next());
        reply.Status.Should().Be(HttpStatusCode.Created, reply.Text);
        return new TestUser(username, $"{username}@example.test", reply.Json!["user"]!["token"]!.GetValue<string>());
    }

    /// <summary>Creates an article as <paramref name="author"/>; returns its slug.</summary>
    public async Task<string> CreateArticleAsync(TestUser author, string? title = null, string[]? tags = null)
    {
        var reply = await PostAsync("/api/articles", new
        {
            article = new { title = title ?? Unique.Name("Title"), description = "about", body = "the body", tagList = tags ?? [] },
        }, author.Token);
        reply.Status.Should().Be(HttpStatusCode.Created, reply.Text);
        return reply.Json!["article"]!["slug"]!.GetValue<string>();
    }

    public void Dispose() => Http.Dispose();
}

public sealed record TestUser(string Username, string Email, string Token);

public sealed record Reply(HttpStatusCode Status, JsonNode? Json, string? ContentType, string Text)
{
    /// <summary>The first message of <c>errors.&lt;key&gt;</c>.</summary>
    public string? Error(string key) => Json?["errors"]?[key]?[0]?.GetValue<string>();
}
