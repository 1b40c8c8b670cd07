using System.Net;
using Conduit.Tests.Infrastructure;
using Npgsql;

namespace Conduit.Tests.Robustness;

/// <summary>
/// For every endpoint that changes something, another user's attempt is refused as the contract says, or
/// acts only on the caller's own data — and the owner's data is unchanged either way.
/// </summary>
public sealed class ObjectLevelAuthorizationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Another_user_cannot_change_or_remove_what_belongs_to_someone_else()
    {
        var owner = await client.RegisterAsync("owner");
        var fan = await client.RegisterAsync("fan");
        var intruder = await client.RegisterAsync("intruder");
        var slug = await client.CreateArticleAsync(owner, "Owned", ["mine"]);
        var comment = (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "owner's comment" } }, owner.Token)).Json!["comment"]!["id"]!.GetValue<long>();
        await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        await client.PostAsync($"/api/profiles/{owner.Username}/follow", token: fan.Token);
        var before = await SnapshotAsync();

        var update = await client.PutAsync($"/api/articles/{slug}", new { article = new { title = "Taken over", tagList = Array.Empty<string>() } }, intruder.Token);
        var delete = await client.DeleteAsync($"/api/articles/{slug}", intruder.Token);
        var deleteComment = await client.DeleteAsync($"/api/articles/{slug}/comments/{comment}", intruder.Token);
        // Unfavorite and unfollow act on the caller's own favorite and follow: the fan's stay.
        var unfavorite = await client.DeleteAsync($"/api/articles/{slug}/favorite", intruder.Token);
        var unfollow = await client.DeleteAsync($"/api/profiles/{owner.Username}/follow", intruder.Token);

        update.Status.Should().Be(HttpStatusCode.Forbidden);
        update.Error("article").Should().Be("forbidden");
        delete.Status.Should().Be(HttpStatusCode.Forbidden);
        delete.Error("article").Should().Be("forbidden");
        deleteComment.Status.Should().Be(HttpStatusCode.Forbidden);
        deleteComment.Error("comment").Should().Be("forbidden");
        unfavorite.Status.Should().Be(HttpStatusCode.OK);
        unfavorite.Json!["article"]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
        unfollow.Status.Should().Be(HttpStatusCode.OK);
        (await SnapshotAsync()).Should().Be(before, "nothing of the owner's or the fan's changed");
    }

    [Fact]
    public async Task The_user_endpoints_only_ever_act_on_the_token_s_user()
    {
        var victim = await client.RegisterAsync("victim");
        var intruder = await client.RegisterAsync("intruder");

        // A body naming the victim does not make the update the victim's.
        var update = await client.PutAsync("/api/user", new { user = new { username = victim.Username, email = victim.Email, bio = "pwned" } }, intruder.Token);
        var victimNow = await client.GetAsync("/api/user", victim.Token);

        update.Status.Should().Be(HttpStatusCode.Conflict);
        victimNow.Json!["user"]!["bio"].Should().BeNull();
        (await client.GetAsync("/api/user", intruder.Token)).Json!["user"]!["username"]!.GetValue<string>().Should().Be(intruder.Username);
    }

    private async Task<string> SnapshotAsync()
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("""
            SELECT md5(concat_ws('|',
                (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM articles x),
                (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM article_tags x),
                (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM comments x),
                (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM favorites x),
                (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM follows x)))
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
