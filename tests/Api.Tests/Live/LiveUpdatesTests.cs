using System.Net;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Conduit.Tests.Live;

/// <summary>
/// Live updates over real HTTP: <c>api</c> is instance A, <c>WithWebHostBuilder</c> starts B on the same
/// database; a stream on one instance must see what is done through the other.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class LiveUpdatesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_comment_added_through_instance_B_reaches_a_stream_on_instance_A_in_the_comments_endpoint_shape()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(factoryB.CreateClient());
        var author = await a.RegisterAsync("liveauthor");
        var slug = await a.CreateArticleAsync(author);
        await using var stream = await SseReader.OpenAsync(a.Http, $"/api/articles/{slug}/comments/live");
        stream.Status.Should().Be(HttpStatusCode.OK);
        stream.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");

        var added = await b.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "from <B> & co" } }, author.Token);
        added.Status.Should().Be(HttpStatusCode.Created);
        var deleted = await b.DeleteAsync($"/api/articles/{slug}/comments/{added.Json!["comment"]!["id"]}", author.Token);
        deleted.Status.Should().Be(HttpStatusCode.NoContent);

        var events = await stream.TakeAsync(2);
        events[0].Type.Should().Be("comment.added");
        JsonNode.DeepEquals(events[0].Json, added.Json).Should().BeTrue($"{events[0].Data} should be {added.Text}");
        events[1].Type.Should().Be("comment.deleted");
        events[1].Json["comment"]!["id"]!.GetValue<long>().Should().Be(added.Json!["comment"]!["id"]!.GetValue<long>());
        long.Parse(events[1].Id!, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(long.Parse(events[0].Id!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_user_stream_on_A_gets_follows_articles_comments_and_favorites_made_through_B_as_the_list_shows_them()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(factoryB.CreateClient());
        var watcher = await a.RegisterAsync("watcher");
        var other = await a.RegisterAsync("other");
        var watcherArticle = await a.CreateArticleAsync(watcher);
        (await b.PostAsync($"/api/profiles/{other.Username}/follow", token: watcher.Token)).Status.Should().Be(HttpStatusCode.OK);
        await using var stream = await SseReader.OpenAsync(a.Http, "/api/user/live", watcher.Token);
        stream.Status.Should().Be(HttpStatusCode.OK);

        (await b.PostAsync($"/api/profiles/{watcher.Username}/follow", token: other.Token)).Status.Should().Be(HttpStatusCode.OK);
        var published = await b.CreateArticleAsync(other, tags: ["zeta", "alpha"]);
        var comment = await b.PostAsync($"/api/articles/{watcherArticle}/comments", new { comment = new { body = "nice" } }, other.Token);
        (await b.PostAsync($"/api/articles/{watcherArticle}/favorite", token: other.Token)).Status.Should().Be(HttpStatusCode.OK);
        // The watcher's own doings on their own things are not news to them.
        (await b.PostAsync($"/api/articles/{watcherArticle}/comments", new { comment = new { body = "self" } }, watcher.Token)).Status.Should().Be(HttpStatusCode.Created);

        var events = await stream.TakeAsync(4);
        events.Select(e => e.Type).Should().Equal("follower.added", "article.published", "comment.added", "article.favorited");
        var profile = await a.GetAsync($"/api/profiles/{other.Username}", watcher.Token);
        JsonNode.DeepEquals(events[0].Json["profile"], profile.Json!["profile"]).Should().BeTrue(events[0].Data);
        var feed = await a.GetAsync("/api/articles/feed", watcher.Token);
        JsonNode.DeepEquals(events[1].Json["article"], feed.Json!["articles"]![0]).Should().BeTrue($"{events[1].Data} should be {feed.Json["articles"]![0]}");
        events[1].Json["article"]!["slug"]!.GetValue<string>().Should().Be(published);
        JsonNode.DeepEquals(events[2].Json["comment"], comment.Json!["comment"]!.DeepClone().AsObject().Also(c => c["author"]!["following"] = true)).Should().BeTrue(events[2].Data);
        events[2].Json["article"]!["slug"]!.GetValue<string>().Should().Be(watcherArticle);
        var mine = await a.GetAsync($"/api/articles?author={watcher.Username}", watcher.Token);
        JsonNode.DeepEquals(events[3].Json["article"], mine.Json!["articles"]![0]).Should().BeTrue($"{events[3].Data} should be {mine.Json["articles"]![0]}");
        events[3].Json["profile"]!["username"]!.GetValue<string>().Should().Be(other.Username);
        (await stream.NextAsync(TimeSpan.FromMilliseconds(500))).Should().BeNull("the watcher's own comment is not an event of theirs");
    }

    [Fact]
    public async Task A_client_that_reconnects_with_Last_Event_ID_gets_every_missed_event_in_order_without_duplicates()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("resumer");
        var slug = await client.CreateArticleAsync(author);
        string lastId;
        await using (var first = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live"))
        {
            await Comment(client, author, slug, "one");
            await Comment(client, author, slug, "two");
            var seen = await first.TakeAsync(2);
            lastId = seen[^1].Id!;
        }

        // Missed while disconnected; the stream opened next must get them, then live ones, each once.
        foreach (var body in new[] { "three", "four", "five" })
        {
            await Comment(client, author, slug, body);
        }

        await using var again = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", lastEventId: lastId);
        await Comment(client, author, slug, "six");
        var resumed = await again.TakeAsync(4);
        resumed.Select(e => e.Json["comment"]!["body"]!.GetValue<string>()).Should().Equal("three", "four", "five", "six");
        resumed.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).Should().OnlyHaveUniqueItems().And.BeInAscendingOrder();
        (await again.NextAsync(TimeSpan.FromMilliseconds(500))).Should().BeNull("nothing twice");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("-1")]
    [InlineData("99999999999999")]
    public async Task A_garbage_or_future_Last_Event_ID_gets_a_reset_then_the_stream_from_now(string lastEventId)
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("resetter");
        var slug = await client.CreateArticleAsync(author);
        await Comment(client, author, slug, "before");

        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", lastEventId: lastEventId);
        await Comment(client, author, slug, "after");

        var events = await stream.TakeAsync(2);
        events[0].Type.Should().Be("reset");
        events[0].Json["reason"]!.GetValue<string>().Should().Be("unknown-id");
        events[1].Json["comment"]!["body"]!.GetValue<string>().Should().Be("after");
    }

    [Fact]
    public async Task A_Last_Event_ID_older_than_the_retention_gets_a_reset()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("expired");
        var slug = await client.CreateArticleAsync(author);
        string id;
        await using (var first = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live"))
        {
            await Comment(client, author, slug, "old");
            id = (await first.TakeAsync(1))[0].Id!;
        }

        await Comment(client, author, slug, "pruned");
        await using (var connection = await api.OpenDatabaseAsync())
        {
            // What pruning does once events are older than Live:Retention.
            await using var prune = new Npgsql.NpgsqlCommand("UPDATE live_horizon SET pruned_through = (SELECT max(id) FROM live_events)", connection);
            await prune.ExecuteNonQueryAsync();
        }

        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", lastEventId: id);
        var reset = (await stream.TakeAsync(1))[0];
        reset.Type.Should().Be("reset");
        reset.Json["reason"]!.GetValue<string>().Should().Be("expired");
    }

    [Fact]
    public async Task An_unknown_article_is_404_in_the_contract_shape_before_any_stream_starts()
    {
        using var client = api.CreateConduitClient();
        await using var stream = await SseReader.OpenAsync(client.Http, "/api/articles/no-such-article/comments/live", read: false);

        stream.Status.Should().Be(HttpStatusCode.NotFound);
        stream.Response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        (await stream.Response.Content.ReadAsStringAsync()).Should().Be("""{"errors":{"article":["not found"]}}""");
    }

    [Fact]
    public async Task The_user_stream_needs_a_user()
    {
        using var client = api.CreateConduitClient();
        await using var anonymous = await SseReader.OpenAsync(client.Http, "/api/user/live", read: false);
        await using var invalid = await SseReader.OpenAsync(client.Http, "/api/user/live", token: "not.a.token", read: false);

        anonymous.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.Response.Content.ReadAsStringAsync()).Should().Be("""{"errors":{"token":["is missing"]}}""");
        invalid.Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_stream_ticket_opens_the_user_stream_once_and_bad_foreign_or_replayed_tickets_are_401()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("ticketed");
        var stranger = await client.RegisterAsync("stranger");
        var issued = await client.PostAsync("/api/user/live/ticket", token: user.Token);
        issued.Status.Should().Be(HttpStatusCode.OK);
        var ticket = issued.Json!["ticket"]!.GetValue<string>();
        issued.Json["expiresIn"]!.GetValue<int>().Should().BePositive();

        await using (var stream = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={ticket}"))
        {
            stream.Status.Should().Be(HttpStatusCode.OK);
            (await client.PostAsync($"/api/profiles/{user.Username}/follow", token: stranger.Token)).Status.Should().Be(HttpStatusCode.OK);
            (await stream.TakeAsync(1))[0].Type.Should().Be("follower.added");
        }

        await using var replayed = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={ticket}", read: false);
        replayed.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await replayed.Response.Content.ReadAsStringAsync()).Should().Be("""{"errors":{"ticket":["is invalid"]}}""");

        await using var garbage = await SseReader.OpenAsync(client.Http, "/api/user/live?ticket=garbage", read: false);
        garbage.Status.Should().Be(HttpStatusCode.Unauthorized);
        await using var unknown = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={new string('A', 43)}", read: false);
        unknown.Status.Should().Be(HttpStatusCode.Unauthorized);

        // Someone else's ticket presented with one's own token.
        var foreign = (await client.PostAsync("/api/user/live/ticket", token: user.Token)).Json!["ticket"]!.GetValue<string>();
        await using var mixed = await SseReader.OpenAsync(client.Http, $"/api/user/live?ticket={foreign}", token: stranger.Token, read: false);
        mixed.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await client.PostAsync("/api/user/live/ticket")).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_ticket_of_an_ended_session_is_401_and_ending_a_session_closes_its_streams_on_every_instance()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(factoryB.CreateClient());
        var user = await a.RegisterAsync("ending");
        var session = await a.SignInAsync(new TestUser(user.Username, user.Email, user.Token));
        var ticket = (await a.PostAsync("/api/user/live/ticket", token: session.Token)).Json!["ticket"]!.GetValue<string>();
        await using var byHeader = await SseReader.OpenAsync(a.Http, "/api/user/live", session.Token);
        var spare = (await a.PostAsync("/api/user/live/ticket", token: session.Token)).Json!["ticket"]!.GetValue<string>();
        await using var byTicket = await SseReader.OpenAsync(a.Http, $"/api/user/live?ticket={ticket}");
        await using var otherSession = await SseReader.OpenAsync(a.Http, "/api/user/live", user.Token);

        (await b.PostAsync("/api/users/logout", token: session.Token)).Status.Should().Be(HttpStatusCode.NoContent);

        var closing = await byHeader.UntilEndAsync(TimeSpan.FromSeconds(10));
        closing.Should().Contain(e => e.Type == "ended");
        (await byTicket.UntilEndAsync(TimeSpan.FromSeconds(10))).Should().Contain(e => e.Type == "ended");
        byHeader.Ended.Task.IsCompleted.Should().BeTrue();
        otherSession.Ended.Task.IsCompleted.Should().BeFalse("another session of the same user goes on");
        await using var late = await SseReader.OpenAsync(a.Http, $"/api/user/live?ticket={spare}", read: false);
        late.Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Streams_beyond_the_per_user_and_per_address_caps_are_429_in_the_contract_shape()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Live:MaxStreamsPerUser", "2").UseSetting("Live:MaxStreamsPerAddress", "3"));
        using var client = new ConduitClient(factory.CreateClient());
        var user = await client.RegisterAsync("capped");
        var slug = await client.CreateArticleAsync(user);
        await using var first = await SseReader.OpenAsync(client.Http, "/api/user/live", user.Token);
        await using var second = await SseReader.OpenAsync(client.Http, "/api/user/live", user.Token);
        await using var third = await SseReader.OpenAsync(client.Http, "/api/user/live", user.Token, read: false);
        third.Status.Should().Be(HttpStatusCode.TooManyRequests);
        (await third.Response.Content.ReadAsStringAsync()).Should().Be("""{"errors":{"stream":["too many open streams"]}}""");

        // The same address: one more anonymous stream fits, the next does not.
        await using var fourth = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live");
        fourth.Status.Should().Be(HttpStatusCode.OK);
        await using var fifth = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", read: false);
        fifth.Status.Should().Be(HttpStatusCode.TooManyRequests);

        // Closing one frees its place.
        await first.DisposeAsync();
        await Task.Delay(300);
        await using var again = await SseReader.OpenAsync(client.Http, "/api/user/live", user.Token, read: false);
        again.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_client_that_falls_behind_is_told_to_reload_and_disconnected()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Live:QueueLength", "4"));
        using var client = new ConduitClient(factory.CreateClient());
        var author = await client.RegisterAsync("flood");
        var slug = await client.CreateArticleAsync(author);
        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live", read: false);
        stream.Status.Should().Be(HttpStatusCode.OK);

        // Far more than the queue and the transport's buffer hold while the client reads nothing.
        var body = new string('x', 9_000);
        for (var i = 0; i < 40; i++)
        {
            await Comment(client, author, slug, body);
        }

        await Task.Delay(500);
        stream.StartReading();
        var events = await stream.UntilEndAsync(TimeSpan.FromSeconds(15));

        events.Should().Contain(e => e.Type == "reset" && e.Data.Contains("behind"));
        events.Count(e => e.Type == "comment.added").Should().BeLessThan(40);
        stream.Ended.Task.IsCompleted.Should().BeTrue("the server closed the stream");
    }

    [Fact]
    public async Task Idle_streams_get_heartbeat_comments()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Live:Heartbeat", "00:00:00.2"));
        using var client = new ConduitClient(factory.CreateClient());
        var author = await client.RegisterAsync("beat");
        var slug = await client.CreateArticleAsync(author);
        await using var stream = await SseReader.OpenAsync(client.Http, $"/api/articles/{slug}/comments/live");

        var first = await stream.NextAsync(TimeSpan.FromSeconds(5), heartbeats: true);
        first!.Retry.Should().BePositive("the stream starts with the reconnection delay");
        var beat = await stream.NextAsync(TimeSpan.FromSeconds(5), heartbeats: true);
        beat!.Type.Should().Be(":");
    }

    private static async Task Comment(ConduitClient client, TestUser author, string slug, string body) =>
        (await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body } }, author.Token)).Status.Should().Be(HttpStatusCode.Created);
}

internal static class JsonNodeExtensions
{
    public static T Also<T>(this T node, Action<T> change)
    {
        change(node);
        return node;
    }
}
