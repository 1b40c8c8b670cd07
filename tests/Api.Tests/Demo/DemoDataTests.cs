using System.Net;
using Conduit.Features.Demo;
using Conduit.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Conduit.Tests.Demo;

/// <summary><c>./run.sh --demo</c>: a working site on an empty database, and a second run changes nothing.</summary>
public sealed class DemoDataTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Fingerprint = """
        SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM articles) || '/' || (SELECT count(*) FROM comments)
            || '/' || (SELECT count(*) FROM favorites) || '/' || (SELECT count(*) FROM follows) || '/' || (SELECT count(*) FROM article_tags)
            || '/' || (SELECT coalesce(sum(favorites_count), 0) FROM articles) || '/' || (SELECT sum(total) FROM article_count)
            || '/' || (SELECT count(*) FROM tags WHERE in_use) || '/' || (SELECT string_agg(password_hash || version, ',' ORDER BY id) FROM users)
            || '/' || (SELECT string_agg(id || ':' || version, ',' ORDER BY id) FROM articles)
        """;

    [Fact]
    public async Task The_demo_data_makes_a_working_site_and_loading_it_twice_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        using var client = api.CreateConduitClient();
        _ = await client.GetAsync("/api/tags"); // the API (and its migrations) is up
        var printed = new StringWriter();

        await DemoData.LoadAsync(dataSource, printed);
        await using var connection = await api.OpenDatabaseAsync();
        var first = await connection.ExecuteScalarAsync<string>(Fingerprint);
        var again = new StringWriter();
        await DemoData.LoadAsync(dataSource, again);
        (await connection.ExecuteScalarAsync<string>(Fingerprint)).Should().Be(first);

        printed.ToString().Should().StartWith("Demo data loaded (").And.Contain("alice@demo.conduit.test").And.Contain("demo-alice-2026");
        again.ToString().Should().StartWith("Demo data already present: nothing changed.").And.Contain("alice@demo.conduit.test");
        var articles = await client.GetAsync("/api/articles");
        articles.Json!["articlesCount"]!.GetValue<long>().Should().Be(5);
        var newest = articles.Json!["articles"]![0]!;
        newest["slug"]!.GetValue<string>().Should().Be("running-three-instances-on-a-laptop");
        (await client.GetAsync("/api/tags")).Json!["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()).Should().Contain(["postgresql", "csharp", "react"]);
        var comments = await client.GetAsync("/api/articles/listen-notify-for-cache-invalidation/comments");
        comments.Json!["comments"]!.AsArray().Should().HaveCount(2);
        (await client.GetAsync("/api/articles/listen-notify-for-cache-invalidation")).Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(3);

        foreach (var user in DemoData.Users)
        {
            var login = await client.PostAsync("/api/users/login", new { user = new { email = user.Email, password = user.Password } });
            login.Status.Should().Be(HttpStatusCode.OK, user.Username);
            var token = login.Json!["user"]!["token"]!.GetValue<string>();
            var admin = await client.GetAsync("/api/admin/users", token);
            admin.Status.Should().Be(user.Role == "user" ? HttpStatusCode.Forbidden : HttpStatusCode.OK);
            if (user.Username == "dara")
            {
                (await client.GetAsync("/api/articles/feed", token)).Json!["articlesCount"]!.GetValue<long>().Should().Be(3);
            }
        }
    }
}
