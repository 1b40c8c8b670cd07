using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Robustness;

/// <summary>
/// What clients send is stored exactly and returned only as JSON (markup escaped), and members a client
/// must not set (ids, counters, authors, timestamps, slugs) are ignored.
/// </summary>
public sealed class StoredContentTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    public static TheoryData<string> Payloads =>
    [
        "<script>alert('xss')</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg/onload=alert(document.cookie)>",
        "javascript:alert(1)",
        "'; DROP TABLE articles; --",
        "Robert'); DELETE FROM users WHERE ('1'='1",
        "$1 UNION SELECT password_hash FROM users",
        "{{7*7}} ${7*7} <%= 7*7 %>",
        "emoji 🐉 and RTL \u202Eevil",
    ];

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Markup_and_SQL_in_every_text_field_round_trip_verbatim_as_escaped_JSON(string payload)
    {
        var author = await client.RegisterAsync("writer");
        var created = await client.PostAsync("/api/articles", new { article = new { title = payload, description = payload, body = payload, tagList = new[] { payload } } }, author.Token);
        created.Status.Should().Be(HttpStatusCode.Created, created.Text);
        var slug = created.Json!["article"]!["slug"]!.GetValue<string>();
        (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = payload } }, author.Token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.PutAsync("/api/user", new { user = new { bio = payload } }, author.Token)).Status.Should().Be(HttpStatusCode.OK);

        var article = await client.GetAsync($"/api/articles/{slug}");
        var comments = await client.GetAsync($"/api/articles/{slug}/comments");
        var profile = await client.GetAsync($"/api/profiles/{author.Username}");
        var tags = await client.GetAsync("/api/tags");

        foreach (var field in new[] { "title", "description", "body" })
        {
            article.Json!["article"]![field]!.GetValue<string>().Should().Be(payload);
        }

        article.Json!["article"]!["tagList"]![0]!.GetValue<string>().Should().Be(payload);
        comments.Json!["comments"]![0]!["body"]!.GetValue<string>().Should().Be(payload);
        profile.Json!["profile"]!["bio"]!.GetValue<string>().Should().Be(payload);
        tags.Json!["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Contain(payload);
        foreach (var reply in new[] { article, comments, profile, tags })
        {
            reply.ContentType.Should().Be("application/json");
            reply.Text.Should().NotContain("<").And.NotContain(">", "markup leaves the API only JSON-escaped");
        }
    }

    [Fact]
    public async Task Registration_ignores_members_a_client_must_not_set()
    {
        var username = Unique.Name("mass");

        var reply = await client.PostAsync("/api/users", new
        {
            user = new { username, email = $"{username}@example.test", password = "password123", id = 1, bio = "set by me", image = "https://x.test/i.png", token = "chosen", admin = true, createdAt = "2000-01-01T00:00:00.000Z" },
        });

        reply.Status.Should().Be(HttpStatusCode.Created);
        reply.Json!["user"]!["bio"].Should().BeNull();
        reply.Json["user"]!["image"].Should().BeNull();
        reply.Json["user"]!["token"]!.GetValue<string>().Should().NotBe("chosen");
        reply.Json["user"]!.AsObject().Select(member => member.Key).Should().NotContain(["id", "admin", "createdAt"]);
    }

    [Fact]
    public async Task Article_writes_ignore_id_slug_author_counters_and_timestamps()
    {
        var author = await client.RegisterAsync("author");
        var other = await client.RegisterAsync("other");
        var forged = new
        {
            id = 1,
            slug = "chosen-slug",
            favoritesCount = 999,
            favorited = true,
            createdAt = "2000-01-01T00:00:00.000Z",
            updatedAt = "2000-01-01T00:00:00.000Z",
            author = new { username = other.Username, following = true },
        };

        var created = await client.PostAsync("/api/articles", new { article = new { title = "Honest title", description = "d", body = "b", forged.id, forged.slug, forged.favoritesCount, forged.favorited, forged.createdAt, forged.updatedAt, forged.author } }, author.Token);
        var slug = created.Json!["article"]!["slug"]!.GetValue<string>();
        var updated = await client.PutAsync($"/api/articles/{slug}", new { article = new { body = "b2", forged.id, forged.slug, forged.favoritesCount, forged.createdAt, forged.author } }, author.Token);

        foreach (var article in new[] { created.Json["article"]!, updated.Json!["article"]! })
        {
            article["slug"]!.GetValue<string>().Should().Be("honest-title");
            article["favoritesCount"]!.GetValue<int>().Should().Be(0);
            article["favorited"]!.GetValue<bool>().Should().BeFalse();
            article["author"]!["username"]!.GetValue<string>().Should().Be(author.Username);
            article["createdAt"]!.GetValue<string>().Should().NotStartWith("2000");
            article["updatedAt"]!.GetValue<string>().Should().NotStartWith("2000");
        }

        (await client.GetAsync($"/api/articles?author={other.Username}")).Json!["articlesCount"]!.GetValue<int>().Should().Be(0);
    }
}
