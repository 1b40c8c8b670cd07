using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Admin;

/// <summary>Who may call the moderation API, and what it refuses before doing anything.</summary>
public sealed class AdminAccessTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Routes(string username, string slug) =>
    [
        (HttpMethod.Get, "/api/admin/users?q=a&limit=5&offset=0", null),
        (HttpMethod.Post, $"/api/admin/users/{username}/suspend", Moderators.Reason()),
        (HttpMethod.Post, $"/api/admin/users/{username}/reinstate", Moderators.Reason()),
        (HttpMethod.Delete, $"/api/admin/articles/{slug}", Moderators.Reason()),
        (HttpMethod.Delete, $"/api/admin/articles/{slug}/comments/1", Moderators.Reason()),
        (HttpMethod.Put, $"/api/admin/users/{username}/role", new { role = "admin" }),
        (HttpMethod.Get, "/api/admin/audit?limit=5", null),
    ];

    [Fact]
    public async Task A_user_calling_any_admin_route_gets_403_and_nothing_changes()
    {
        var user = await client.RegisterAsync("plain");
        var victim = await client.RegisterAsync("victim");
        var slug = await client.CreateArticleAsync(victim);

        foreach (var (method, path, body) in Routes(victim.Username, slug))
        {
            var reply = await client.SendAsync(method, path, body, user.Token);
            reply.Status.Should().Be(HttpStatusCode.Forbidden, $"{method} {path}");
            reply.Error("user").Should().Be("forbidden");

            var invalidBody = await client.SendAsync(method, path, "{\"reason\":\"\",\"role\":\"root\"}", user.Token);
            invalidBody.Status.Should().Be(HttpStatusCode.Forbidden, "a caller without the role learns nothing about the body");

            var anonymous = await client.SendAsync(method, path, body);
            anonymous.Status.Should().Be(HttpStatusCode.Unauthorized, $"{method} {path}");
        }

        (await client.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/api/user", victim.Token)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_moderator_may_moderate_but_granting_roles_is_403()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var other = await client.RegisterAsync("other");

        (await client.GetAsync("/api/admin/users", moderator.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/api/admin/audit", moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        foreach (var role in new[] { "admin", "moderator", "user" })
        {
            var grant = await client.PutAsync($"/api/admin/users/{other.Username}/role", new { role }, moderator.Token);
            grant.Status.Should().Be(HttpStatusCode.Forbidden);
            grant.Error("user").Should().Be("forbidden");
        }

        var self = await client.PutAsync($"/api/admin/users/{moderator.Username}/role", new { role = "admin" }, moderator.Token);
        self.Status.Should().Be(HttpStatusCode.Forbidden);
        var listed = await client.GetAsync($"/api/admin/users?q={moderator.Username}", moderator.Token);
        listed.Json!["users"]![0]!["role"]!.GetValue<string>().Should().Be("moderator");
    }

    [Fact]
    public async Task Reasons_missing_blank_or_10_KB_long_are_422()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);
        var comment = await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "hi" } }, author.Token);
        var id = comment.Json!["comment"]!["id"]!.GetValue<long>();
        string[] paths = [$"/api/admin/users/{author.Username}/suspend", $"/api/admin/users/{author.Username}/reinstate", $"/api/admin/articles/{slug}", $"/api/admin/articles/{slug}/comments/{id}"];

        foreach (var path in paths)
        {
            var method = path.Contains("/users/", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Delete;
            foreach (var body in new object?[] { null, "{}", new { reason = "" }, new { reason = "   " }, new { reason = (string?)null }, new { reason = new string('x', 10 * 1024) } })
            {
                var reply = await client.SendAsync(method, path, body, moderator.Token);
                reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity, $"{method} {path} {body}");
                reply.Json!["errors"]!["reason"].Should().NotBeNull();
            }
        }

        (await client.GetAsync($"/api/articles/{slug}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(1, "nothing was removed");
        (await client.GetAsync("/api/user", author.Token)).Status.Should().Be(HttpStatusCode.OK, "nobody was suspended");
    }

    [Fact]
    public async Task A_moderator_acts_only_on_users_and_every_refusal_is_403_and_in_the_audit_log()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var admin = await api.WithRoleAsync(client, "admin");
        await api.WithRoleAsync(client, "admin"); // not the last admin: that rule is not what refuses here
        var peer = await api.WithRoleAsync(client, "moderator");
        var comment = await client.RegisterAsync("commenter");
        var onArticle = await client.CreateArticleAsync(comment);

        foreach (var target in new[] { admin, peer })
        {
            var article = await client.CreateArticleAsync(target);
            var posted = await client.PostAsync($"/api/articles/{onArticle}/comments", new { comment = new { body = "mine" } }, target.Token);
            var id = posted.Json!["comment"]!["id"]!.GetValue<long>();
            (HttpMethod, string)[] attempts =
            [
                (HttpMethod.Post, $"/api/admin/users/{target.Username}/suspend"),
                (HttpMethod.Post, $"/api/admin/users/{target.Username}/reinstate"),
                (HttpMethod.Delete, $"/api/admin/articles/{article}"),
                (HttpMethod.Delete, $"/api/admin/articles/{onArticle}/comments/{id}"),
            ];
            foreach (var (method, path) in attempts)
            {
                var reply = await client.SendAsync(method, path, Moderators.Reason(), moderator.Token);
                reply.Status.Should().Be(HttpStatusCode.Forbidden, $"{method} {path} by a moderator on a {target.Username}");
                reply.Error("user").Should().Be("forbidden");
            }

            (await client.GetAsync("/api/user", target.Token)).Status.Should().Be(HttpStatusCode.OK, "their sessions live on");
            (await client.GetAsync($"/api/articles/{article}")).Status.Should().Be(HttpStatusCode.OK);
        }

        (await client.GetAsync($"/api/articles/{onArticle}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(2);
        var audit = await client.GetAsync($"/api/admin/audit?actor={moderator.Username}&limit=100", moderator.Token);
        audit.Json!["entries"]!.AsArray().Select(entry => entry!["action"]!.GetValue<string>()).Should().BeEquivalentTo(
            ["suspend_refused", "reinstate_refused", "remove_article_refused", "remove_comment_refused",
             "suspend_refused", "reinstate_refused", "remove_article_refused", "remove_comment_refused"]);

        var suspended = await client.PostAsync($"/api/admin/users/{peer.Username}/suspend", Moderators.Reason(), admin.Token);
        suspended.Status.Should().Be(HttpStatusCode.OK, "an admin acts on moderators");
    }

    [Theory]
    [InlineData("/api/admin/users?q=a%00b", "q")]
    [InlineData("/api/admin/users?q=a%0Ab", "q")]
    [InlineData("/api/admin/audit?actor=%00", "actor")]
    [InlineData("/api/admin/audit?action=a%09", "action")]
    public async Task A_control_character_in_a_filter_is_422_naming_the_filter(string path, string field)
    {
        var moderator = await api.WithRoleAsync(client, "moderator");

        var reply = await client.GetAsync(path, moderator.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error(field).Should().Be("contains invalid characters");
    }

    [Fact]
    public async Task Suspending_yourself_is_422()
    {
        var admin = await api.WithRoleAsync(client, "admin");
        var moderator = await api.WithRoleAsync(client, "moderator");

        foreach (var actor in new[] { admin, moderator })
        {
            var reply = await client.PostAsync($"/api/admin/users/{actor.Username}/suspend", Moderators.Reason(), actor.Token);
            reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
            reply.Error("username").Should().Be("cannot be yourself");
            (await client.GetAsync("/api/user", actor.Token)).Status.Should().Be(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task An_admin_changes_roles_and_the_change_applies_to_the_next_request()
    {
        var admin = await api.WithRoleAsync(client, "admin");
        var user = await client.RegisterAsync("promoted");

        var bad = await client.PutAsync($"/api/admin/users/{user.Username}/role", new { role = "root" }, admin.Token);
        bad.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        bad.Error("role").Should().Be("must be user, moderator or admin");
        (await client.PutAsync("/api/admin/users/nobody_here_at_all/role", new { role = "moderator" }, admin.Token)).Status.Should().Be(HttpStatusCode.NotFound);

        var granted = await client.PutAsync($"/api/admin/users/{user.Username}/role", new { role = "moderator" }, admin.Token);
        granted.Status.Should().Be(HttpStatusCode.OK, granted.Text);
        granted.Json!["user"]!["role"]!.GetValue<string>().Should().Be("moderator");
        (await client.GetAsync("/api/admin/users", user.Token)).Status.Should().Be(HttpStatusCode.OK);

        (await client.PutAsync($"/api/admin/users/{user.Username}/role", new { role = "user" }, admin.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/api/admin/users", user.Token)).Status.Should().Be(HttpStatusCode.Forbidden, "the role is read on every request, not kept in the token");

        var audit = await client.GetAsync($"/api/admin/audit?actor={admin.Username}&action=role", admin.Token);
        audit.Json!["entriesCount"]!.GetValue<long>().Should().Be(2);
        audit.Json!["entries"]![0]!["reason"]!.GetValue<string>().Should().Be("role moderator -> user", "newest first");
    }

    [Fact]
    public async Task Users_are_listed_and_searched_by_the_start_of_username_or_email()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var prefix = Unique.Name("srch");
        foreach (var n in Enumerable.Range(0, 3))
        {
            await client.PostAsync("/api/users", new { user = new { username = $"{prefix}{n}", email = $"{prefix}{n}@example.test", password = "password123" } });
        }

        var page = await client.GetAsync($"/api/admin/users?q={prefix.ToUpperInvariant()}&limit=2&offset=0", moderator.Token);
        page.Status.Should().Be(HttpStatusCode.OK, page.Text);
        page.Json!["usersCount"]!.GetValue<long>().Should().Be(3);
        var first = page.Json!["users"]![0]!;
        first["username"]!.GetValue<string>().Should().Be($"{prefix}0");
        first["email"]!.GetValue<string>().Should().Be($"{prefix}0@example.test");
        first["role"]!.GetValue<string>().Should().Be("user");
        first["suspended"]!.GetValue<bool>().Should().BeFalse();
        first.AsObject().Should().NotContainKey("passwordHash");
        page.Json!["users"]!.AsArray().Should().HaveCount(2);

        (await client.GetAsync("/api/admin/users?q=%25", moderator.Token)).Json!["usersCount"]!.GetValue<long>().Should().Be(0, "LIKE wildcards match literally");
        (await client.GetAsync("/api/admin/users?limit=0", moderator.Token)).Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await client.GetAsync("/api/admin/users?offset=-1", moderator.Token)).Status.Should().Be(HttpStatusCode.UnprocessableEntity);
    }
}
