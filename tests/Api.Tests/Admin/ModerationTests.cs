using System.Net;
using Conduit.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Conduit.Tests.Admin;

/// <summary>RemoveArticle, RemoveComment and the audit log that keeps every action.</summary>
public sealed class ModerationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task A_moderator_removes_any_article_or_comment_with_a_reason_and_the_audit_log_keeps_it_newest_first()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("author");
        var slug = await client.CreateArticleAsync(author);
        var other = await client.CreateArticleAsync(author);
        var comment = await client.PostAsync($"/api/articles/{other}/comments", new { comment = new { body = "rude" } }, author.Token);
        var id = comment.Json!["comment"]!["id"]!.GetValue<long>();
        (await client.GetAsync($"/api/articles/{other}/comments")).Json!["comments"]!.AsArray().Should().HaveCount(1, "cached before the removal");

        (await client.SendAsync(HttpMethod.Delete, $"/api/admin/articles/{other}/comments/{id}", Moderators.Reason("insults"), moderator.Token))
            .Status.Should().Be(HttpStatusCode.NoContent);
        (await client.SendAsync(HttpMethod.Delete, $"/api/admin/articles/{slug}", Moderators.Reason("spam"), moderator.Token))
            .Status.Should().Be(HttpStatusCode.NoContent);

        (await client.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync($"/api/articles/{other}/comments")).Json!["comments"]!.AsArray().Should().BeEmpty();
        (await client.SendAsync(HttpMethod.Delete, $"/api/admin/articles/{slug}", Moderators.Reason(), moderator.Token)).Error("article").Should().Be("not found");
        (await client.SendAsync(HttpMethod.Delete, $"/api/admin/articles/{other}/comments/{id}", Moderators.Reason(), moderator.Token)).Error("comment").Should().Be("not found");
        (await client.SendAsync(HttpMethod.Delete, $"/api/admin/articles/{slug}/comments/{id}", Moderators.Reason(), moderator.Token)).Error("article").Should().Be("not found");

        var audit = await client.GetAsync($"/api/admin/audit?actor={moderator.Username}", moderator.Token);
        audit.Status.Should().Be(HttpStatusCode.OK, audit.Text);
        audit.Json!["entriesCount"]!.GetValue<long>().Should().Be(2, "failed attempts change nothing and log nothing");
        var newest = audit.Json!["entries"]![0]!;
        newest["actor"]!.GetValue<string>().Should().Be(moderator.Username);
        newest["action"]!.GetValue<string>().Should().Be("remove_article");
        newest["target"]!.GetValue<string>().Should().Be($"article:{slug}");
        newest["reason"]!.GetValue<string>().Should().Be("spam");
        newest["createdAt"]!.GetValue<string>().Should().EndWith("Z");
        audit.Json!["entries"]![1]!["target"]!.GetValue<string>().Should().Be($"comment:{id} on article:{other}");
        var byAction = await client.GetAsync("/api/admin/audit?action=remove_comment&limit=1", moderator.Token);
        byAction.Json!["entries"]!.AsArray().Should().ContainSingle().Which!["reason"]!.GetValue<string>().Should().Be("insults");
    }

    [Fact]
    public async Task Audit_entries_cannot_be_changed_or_deleted_through_any_endpoint_nor_in_the_database()
    {
        var admin = await api.WithRoleAsync(client, "admin");
        var user = await client.RegisterAsync("target");
        await client.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), admin.Token);
        var before = (await client.GetAsync("/api/admin/audit", admin.Token)).Text;
        var entry = (await client.GetAsync("/api/admin/audit", admin.Token)).Json!["entries"]![0]!["id"]!.GetValue<long>();

        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete, HttpMethod.Post })
        {
            foreach (var path in new[] { "/api/admin/audit", $"/api/admin/audit/{entry}" })
            {
                var reply = await client.SendAsync(method, path, new { reason = "rewritten" }, admin.Token);
                ((int)reply.Status).Should().BeOneOf(404, 405);
            }
        }

        (await client.GetAsync("/api/admin/audit", admin.Token)).Text.Should().Be(before);

        await using var connection = await api.OpenDatabaseAsync();
        foreach (var sql in new[] { "UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log", "TRUNCATE audit_log" })
        {
            var attempt = () => connection.ExecuteAsync(sql);
            (await attempt.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege, sql);
        }

        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE reason = 'rewritten'")).Should().Be(0);
    }
}
