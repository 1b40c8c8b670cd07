using System.Net;
using Conduit.Tests.Admin;
using Conduit.Tests.Infrastructure;
using Dapper;

namespace Conduit.Tests.Live;

/// <summary>
/// The streams honour a suspension like every other read (migration 0017): a hidden article has no stream, no
/// event that shows a suspended author's article or comment is sent or replayed, and an open comment stream is
/// told to remove what the suspension hid. Suspensions go through instance B, streams are read on A.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class LiveVisibilityTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task A_suspended_authors_article_has_no_comment_stream_until_reinstatement()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("hiddenlive");
        var slug = await client.CreateArticleAsync(author);
        await Suspend(client, moderator, author);

        await using (var hidden = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", read: false))
        {
            hidden.Status.Should().Be(HttpStatusCode.NotFound);
            (await hidden.Response.Content.ReadAsStringAsync()).Should().Be("""{"errors":{"article":["not found"]}}""");
        }

        (await client.PostAsync($"/api/admin/users/{author.Username}/reinstate", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);
        await using var back = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", read: false);
        back.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Resuming_a_visible_articles_comment_stream_replays_no_comment_of_a_suspended_author()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var spammer = await client.RegisterAsync("livespam");
        var owner = await client.RegisterAsync("liveowner");
        var slug = await client.CreateArticleAsync(owner);
        var spam = await Comment(client, spammer, slug, "buy now");
        await Comment(client, owner, slug, "kept");
        await Suspend(client, moderator, spammer);

        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", lastEventId: "0");
        var replayed = await AllAsync(stream);

        replayed.Where(e => e.Type == "comment.added").Select(e => e.Json["comment"]!["body"]!.GetValue<string>()).Should().Equal("kept");
        replayed.Where(e => e.Type == "comment.deleted").Select(e => e.Json["comment"]!["id"]!.GetValue<long>()).Should().Equal(spam);
    }

    [Fact]
    public async Task Resuming_a_followers_user_stream_replays_no_article_or_comment_of_a_suspended_author()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var spammer = await client.RegisterAsync("livespam");
        var follower = await client.RegisterAsync("follower");
        var friend = await client.RegisterAsync("friend");
        var own = await client.CreateArticleAsync(follower);
        (await client.PostAsync($"/api/profiles/{spammer.Username}/follow", token: follower.Token)).Status.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/api/profiles/{friend.Username}/follow", token: follower.Token)).Status.Should().Be(HttpStatusCode.OK);
        await client.CreateArticleAsync(spammer);
        await Comment(client, spammer, own, "buy now");
        var kept = await client.CreateArticleAsync(friend);
        await Comment(client, friend, own, "kept");
        await Suspend(client, moderator, spammer);

        await using var stream = await SseReader.OpenAsync(client.Http, "/api/user/live", follower.Token, lastEventId: "0");
        var replayed = await AllAsync(stream);

        replayed.Select(e => e.Type).Should().Equal("article.published", "comment.added");
        replayed[0].Json["article"]!["slug"]!.GetValue<string>().Should().Be(kept);
        replayed[1].Json["comment"]!["body"]!.GetValue<string>().Should().Be("kept");
    }

    [Fact]
    public async Task An_open_comment_stream_is_told_to_delete_each_comment_a_suspension_hides_on_every_instance()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var b = new ConduitClient(factoryB.CreateClient());
        var moderator = await api.WithRoleAsync(client, "moderator");
        var spammer = await client.RegisterAsync("livespam");
        var owner = await client.RegisterAsync("liveowner");
        var visible = await client.CreateArticleAsync(owner);
        var spammers = await client.CreateArticleAsync(spammer);
        await using var onVisible = await SseReader.OpenAsync(client.Http, $"/api/articles/{visible}/comments/live");
        await using var onSpammers = await SseReader.OpenAsync(client.Http, $"/api/articles/{spammers}/comments/live");
        var spam = await Comment(b, spammer, visible, "buy now");
        var reply = await Comment(b, owner, spammers, "no thanks");
        (await onVisible.TakeAsync(1))[0].Type.Should().Be("comment.added");
        (await onSpammers.TakeAsync(1))[0].Type.Should().Be("comment.added");

        await Suspend(b, moderator, spammer);

        var removed = await onVisible.TakeAsync(1);
        removed[0].Type.Should().Be("comment.deleted");
        removed[0].Json["comment"]!["id"]!.GetValue<long>().Should().Be(spam);
        var gone = await onSpammers.TakeAsync(1);
        gone[0].Type.Should().Be("comment.deleted");
        gone[0].Json["comment"]!["id"]!.GetValue<long>().Should().Be(reply, "the whole article is hidden, comments of others on it too");
    }

    [Fact]
    public async Task A_comment_hidden_before_the_outbox_reader_reads_it_never_reaches_an_open_stream()
    {
        var spammer = await client.RegisterAsync("livespam");
        var owner = await client.RegisterAsync("liveowner");
        var slug = await client.CreateArticleAsync(owner);
        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live");
        (await stream.NextAsync(TimeSpan.FromSeconds(5), heartbeats: true))!.Retry.Should().BePositive("the stream is open");

        // The comment and the suspension commit together: the reader only ever sees the comment hidden.
        await using (var connection = await api.OpenDatabaseAsync())
        {
            await connection.ExecuteAsync("""
                BEGIN;
                INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                SELECT a.id, u.id, 'buy now', now(), now() FROM articles a, users u WHERE a.slug = @Slug AND u.username = @Spammer;
                UPDATE users SET suspended_at = now() WHERE username = @Spammer;
                COMMIT;
                """, new { Slug = slug, Spammer = spammer.Username });
        }

        await Comment(client, owner, slug, "kept");
        var events = await stream.TakeAsync(2);
        events.Select(e => e.Type).Should().Equal("comment.deleted", "comment.added");
        events[1].Json["comment"]!["body"]!.GetValue<string>().Should().Be("kept");
    }

    [Fact]
    public async Task After_reinstatement_a_resumed_comment_stream_shows_the_comments_that_are_back()
    {
        var moderator = await api.WithRoleAsync(client, "moderator");
        var author = await client.RegisterAsync("appealed");
        var owner = await client.RegisterAsync("liveowner");
        var slug = await client.CreateArticleAsync(owner);
        var comment = await Comment(client, author, slug, "back again");
        await Suspend(client, moderator, author);
        (await client.PostAsync($"/api/admin/users/{author.Username}/reinstate", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", lastEventId: "0");
        var replayed = await AllAsync(stream);

        replayed.Select(e => e.Type).Should().Equal(["comment.added"], "the suspension's removal no longer applies");
        replayed[0].Json["comment"]!["id"]!.GetValue<long>().Should().Be(comment);
    }

    private static async Task Suspend(ConduitClient via, TestUser moderator, TestUser user) =>
        (await via.PostAsync($"/api/admin/users/{user.Username}/suspend", Moderators.Reason(), moderator.Token)).Status.Should().Be(HttpStatusCode.OK);

    private static async Task<long> Comment(ConduitClient via, TestUser author, string slug, string body)
    {
        var added = await via.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body } }, author.Token);
        added.Status.Should().Be(HttpStatusCode.Created);
        return added.Json!["comment"]!["id"]!.GetValue<long>();
    }

    /// <summary>What a resumed stream replays: the events until it goes quiet.</summary>
    private static async Task<List<Sse>> AllAsync(SseReader stream)
    {
        stream.Status.Should().Be(HttpStatusCode.OK);
        var all = new List<Sse>();
        while (await stream.NextAsync(TimeSpan.FromSeconds(1)) is { } next)
        {
            all.Add(next);
        }

        return all;
    }
}
