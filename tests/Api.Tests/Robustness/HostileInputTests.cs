using System.Net;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Conduit.Tests.Robustness;

/// <summary>Hostile input over every endpoint: answered 4xx in the contract's shape, never 5xx, and the database untouched.</summary>
public sealed class HostileInputTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    private const string Fingerprint = """
        SELECT md5(concat_ws('|',
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM users x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM follows x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM articles x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM tags x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM article_tags x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM favorites x),
            (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM comments x),
            (SELECT string_agg(concat_ws(',', x.id, x.user_id, x.refresh_hash, x.revoked_at), ';' ORDER BY x.id) FROM sessions x)))
        """;

    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task The_hostile_corpus_gets_4xx_error_bodies_no_5xx_and_changes_nothing()
    {
        var attacker = await client.RegisterAsync("attacker");
        var victim = await client.RegisterAsync("victim");
        var slug = await client.CreateArticleAsync(attacker, tags: ["seed"]);
        var comment = (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "victim's" } }, victim.Token)).Json!["comment"]!["id"]!.GetValue<long>();
        var corpus = HostileCorpus.Build(attacker.Username);
        var before = await FingerprintAsync();

        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        foreach (var hostile in corpus)
        {
            var path = hostile.Path.Replace("{slug}", slug, StringComparison.Ordinal).Replace("{comment}", comment.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var (status, json, contentType) = await SendAsync(hostile, path, attacker.Token);
            statuses[(int)status] = statuses.GetValueOrDefault((int)status) + 1;
            var ok = hostile.Expect == Expect.Rejected
                ? (int)status is >= 400 and < 500 && json?["errors"] is JsonObject { Count: > 0 } && contentType == "application/json"
                : (int)status is >= 200 and < 300;
            if (!ok)
            {
                failures.Add($"{hostile.Name}: {(int)status} {json?.ToJsonString()}");
            }
        }

        output.WriteLine($"{corpus.Count} cases; statuses: {string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}×{pair.Value}"))}");
        corpus.Should().HaveCountGreaterThanOrEqualTo(300);
        failures.Should().BeEmpty();
        statuses.Keys.Should().NotContain(status => status >= 500);
        (await FingerprintAsync()).Should().Be(before, "rejected requests change nothing");
    }

    private async Task<(HttpStatusCode Status, JsonNode? Json, string? ContentType)> SendAsync(HostileCase hostile, string path, string token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        if (hostile.Body is not null)
        {
            request.Content = new ByteArrayContent(hostile.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType);
        }

        using var response = await client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported below as a case without an error body.
        }

        LeakGuard.Check(response.StatusCode, json, text);
        return (response.StatusCode, json, response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<string> FingerprintAsync()
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(Fingerprint, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
