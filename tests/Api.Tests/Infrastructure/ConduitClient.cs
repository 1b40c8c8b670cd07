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
        return new Reply(response.StatusCode, json, response.Content.Headers.ContentType?.MediaType, text)
        {
            WwwAuthenticate = response.Headers.WwwAuthenticate.Count > 0 ? response.Headers.WwwAuthenticate.ToString() : null,
        };
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

    /// <summary>Signs <paramref name="user"/> in again from a device of its own: a new session.</summary>
    public async Task<SignedIn> SignInAsync(TestUser user, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/users/login") { Content = JsonContent.Create(new { user = new { email = user.Email, password = "password123" } }) };
        request.Headers.Remove("X-Forwarded-For");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", ClientAddresses.Next());
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var json = JsonNode.Parse(text)!["user"]!;
        return new SignedIn(json["token"]!.GetValue<string>(), json["refreshToken"]!.GetValue<string>());
    }

    public Task<Reply> RefreshAsync(string? refreshToken, string? forwardedFor = null, string? token = null) =>
        SendAsync(HttpMethod.Post, "/api/users/refresh", new { refreshToken }, token, forwardedFor ?? ClientAddresses.Next());

    /// <summary>Repeats <paramref name="send"/> until it answers <paramref name="status"/> or <paramref name="within"/> has passed; how long it took.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<Reply>> send, HttpStatusCode status, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await send()).Status != status)
        {
            if (clock.Elapsed > within)
            {
                return clock.Elapsed;
            }

            await Task.Delay(2);
        }

        return clock.Elapsed;
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

/// <summary>What a sign-in or a refresh hands out.</summary>
public sealed record SignedIn(string Token, string RefreshToken);

public sealed record Reply(HttpStatusCode Status, JsonNode? Json, string? ContentType, string Text)
{
    public string? WwwAuthenticate { get; init; }

    /// <summary>The first message of <c>errors.&lt;key&gt;</c>.</summary>
    public string? Error(string key) => Json?["errors"]?[key]?[0]?.GetValue<string>();
}
