using System.Diagnostics;
using System.Net;
using Conduit.Tests.Infrastructure;
using Conduit.Tests.Robustness;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Conduit.Tests.Caching;

/// <summary>
/// The shared read cache with two API instances on one database: <c>api</c> (A) and a second host (B).
/// "Behind the cache's back" means a direct SQL change with triggers off (session_replication_role), which
/// sends no notification: what an answer shows then tells whether it came from memory.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class ReadCacheTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Anonymous_reads_are_answered_from_memory()
    {
        using var a = api.CreateConduitClient();
        var author = await a.RegisterAsync("cached");
        var slug = await a.CreateArticleAsync(author, title: Unique.Name("Original"));
        await Task.Delay(300); // the creation's own notifications have arrived: what is filled now stays fresh
        (await a.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.OK);

        await BehindTheCachesBackAsync("UPDATE articles SET title = 'Changed unseen' WHERE slug = @slug", slug);
        var again = await a.GetAsync($"/api/articles/{slug}");

        again.Json!["article"]!["title"]!.GetValue<string>().Should().StartWith("Original", "nothing announced a change, so memory answered");
    }

    [Fact]
    public async Task A_full_cache_evicts_and_keeps_answering()
    {
        using var factory = api.WithWebHostBuilder(builder => builder.UseSetting("Cache:SizeLimitMegabytes", "1"));
        using var client = new ConduitClient(factory.CreateClient());
        var author = await client.RegisterAsync("filler");
        for (var i = 0; i < 30; i++)
        {
            await client.CreateArticleAsync(author, tags: [$"filler{i % 5}"]);
        }

        // Far more distinct pages (~10 KB each) than 1 MB holds.
        var replies = new List<Reply>();
        for (var page = 0; page < 300; page++)
        {
            replies.Add(await client.GetAsync($"/api/articles?author={author.Username}&limit={(page % 100) + 1}&offset={page / 100}"));
        }

        replies.Should().OnlyContain(reply => reply.Status == HttpStatusCode.OK);
        replies[^1].Json!["articlesCount"]!.GetValue<int>().Should().Be(30);
    }

    [Fact]
    public async Task A_writer_sees_its_write_on_the_other_instance_at_once_and_anyone_within_a_second()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(factoryB.CreateClient());
        var writer = await a.RegisterAsync("writer");
        var tag = Unique.Name("tag");
        var slug = await a.CreateArticleAsync(writer, tags: [tag]);
        string[] reads = [$"/api/articles/{slug}", $"/api/articles?tag={tag}", $"/api/articles?author={writer.Username}", "/api/articles?limit=100",
            $"/api/articles/{slug}/comments", $"/api/profiles/{writer.Username}", "/api/tags"];
        foreach (var path in reads)
        {
            (await b.GetAsync(path)).Status.Should().Be(HttpStatusCode.OK, path);
        }

        // One write of each kind a cached answer shows, through A; each checked through B.
        (await a.PostAsync($"/api/articles/{slug}/favorite", token: writer.Token)).Status.Should().Be(HttpStatusCode.OK);
        await ExpectAsync(b, writer, $"/api/articles/{slug}", reply => reply.Json!["article"]!["favoritesCount"]!.GetValue<int>() == 1);
        await ExpectAsync(b, writer, $"/api/articles?tag={tag}", reply => reply.Json!["articles"]![0]!["favoritesCount"]!.GetValue<int>() == 1);

        (await a.PutAsync($"/api/articles/{slug}", new { article = new { title = "Retitled" } }, writer.Token)).Status.Should().Be(HttpStatusCode.OK);
        await ExpectAsync(b, writer, $"/api/articles/{slug}", reply => reply.Json!["article"]!["title"]!.GetValue<string>() == "Retitled");
        await ExpectAsync(b, writer, $"/api/articles?author={writer.Username}", reply => reply.Json!["articles"]![0]!["title"]!.GetValue<string>() == "Retitled");

        (await a.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = "first!" } }, writer.Token)).Status.Should().Be(HttpStatusCode.Created);
        await ExpectAsync(b, writer, $"/api/articles/{slug}/comments", reply => reply.Json!["comments"]!.AsArray().Count == 1);

        (await a.PutAsync("/api/user", new { user = new { bio = "new bio" } }, writer.Token)).Status.Should().Be(HttpStatusCode.OK);
        await ExpectAsync(b, writer, $"/api/profiles/{writer.Username}", reply => reply.Json!["profile"]!["bio"]?.GetValue<string>() == "new bio");
        await ExpectAsync(b, writer, $"/api/articles/{slug}", reply => reply.Json!["article"]!["author"]!["bio"]?.GetValue<string>() == "new bio");
        await ExpectAsync(b, writer, $"/api/articles/{slug}/comments", reply => reply.Json!["comments"]![0]!["author"]!["bio"]?.GetValue<string>() == "new bio");

        var newTag = Unique.Name("fresh");
        var second = await a.CreateArticleAsync(writer, tags: [newTag]);
        await ExpectAsync(b, writer, "/api/tags", reply => reply.Text.Contains(newTag, StringComparison.Ordinal));
        await ExpectAsync(b, writer, "/api/articles?limit=100", reply => reply.Text.Contains(second, StringComparison.Ordinal));

        (await a.DeleteAsync($"/api/articles/{second}", writer.Token)).Status.Should().Be(HttpStatusCode.NoContent);
        await ExpectAsync(b, writer, "/api/articles?limit=100", reply => !reply.Text.Contains(second, StringComparison.Ordinal));
        await ExpectAsync(b, writer, "/api/tags", reply => !reply.Text.Contains(newTag, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Signed_in_readers_get_their_own_flags_over_the_shared_page()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("author");
        var fan = await client.RegisterAsync("fan");
        var other = await client.RegisterAsync("other");
        var tag = Unique.Name("flags");
        var slug = await client.CreateArticleAsync(author, tags: [tag]);
        await client.GetAsync($"/api/articles?tag={tag}");
        await client.PostAsync($"/api/articles/{slug}/favorite", token: fan.Token);
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: fan.Token);

        var asFan = await client.GetAsync($"/api/articles?tag={tag}", fan.Token);
        var asOther = await client.GetAsync($"/api/articles?tag={tag}", other.Token);
        var anonymous = await client.GetAsync($"/api/articles?tag={tag}");
        var fanArticle = await client.GetAsync($"/api/articles/{slug}", fan.Token);
        var fanProfile = await client.GetAsync($"/api/profiles/{author.Username}", fan.Token);

        asFan.Json!["articles"]![0]!["favorited"]!.GetValue<bool>().Should().BeTrue();
        asFan.Json!["articles"]![0]!["author"]!["following"]!.GetValue<bool>().Should().BeTrue();
        asOther.Json!["articles"]![0]!["favorited"]!.GetValue<bool>().Should().BeFalse();
        asOther.Json!["articles"]![0]!["author"]!["following"]!.GetValue<bool>().Should().BeFalse();
        anonymous.Json!["articles"]![0]!["favoritesCount"]!.GetValue<int>().Should().Be(1);
        anonymous.Json!["articles"]![0]!["favorited"]!.GetValue<bool>().Should().BeFalse();
        fanArticle.Json!["article"]!["favorited"]!.GetValue<bool>().Should().BeTrue();
        fanProfile.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task A_lost_notification_stream_cannot_leave_stale_answers_behind()
    {
        var real = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var proxied = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Port = proxy.Port }.ConnectionString;
        using var factoryB = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:Database", proxied));
        using var b = new ConduitClient(factoryB.CreateClient());
        using var a = api.CreateConduitClient();
        var author = await a.RegisterAsync("lost");
        var slug = await a.CreateArticleAsync(author, title: Unique.Name("Before"));
        (await b.GetAsync($"/api/articles/{slug}")).Status.Should().Be(HttpStatusCode.OK);

        // A change B is never told about, then B's connections (its listener's too) drop and come back.
        await BehindTheCachesBackAsync("UPDATE articles SET title = 'After the gap' WHERE slug = @slug", slug);
        proxy.Cut();
        await Task.Delay(500);
        proxy.Restore();

        await ExpectAsync(b, null, $"/api/articles/{slug}", reply => reply.Status == HttpStatusCode.OK
            && reply.Json!["article"]!["title"]!.GetValue<string>() == "After the gap", within: TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Staleness_checker_a_writer_never_reads_an_older_state_through_the_other_instance()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var a = api.CreateConduitClient();
        using var b = new ConduitClient(factoryB.CreateClient());
        var author = await a.RegisterAsync("toggler");
        var slug = await a.CreateArticleAsync(author);
        var stale = new List<string>();
        var slowest = TimeSpan.Zero;

        for (var round = 0; round < 40; round++)
        {
            var favorite = round % 2 == 0;
            var write = favorite ? await a.PostAsync($"/api/articles/{slug}/favorite", token: author.Token) : await a.DeleteAsync($"/api/articles/{slug}/favorite", author.Token);
            write.Status.Should().Be(HttpStatusCode.OK);
            var expected = favorite ? 1 : 0;

            var own = await b.GetAsync($"/api/articles/{slug}", author.Token);
            if (own.Json!["article"]!["favoritesCount"]!.GetValue<int>() != expected)
            {
                stale.Add($"round {round}: the writer read {own.Json!["article"]!["favoritesCount"]} instead of {expected}");
            }

            var clock = Stopwatch.StartNew();
            while ((await b.GetAsync($"/api/articles/{slug}")).Json!["article"]!["favoritesCount"]!.GetValue<int>() != expected && clock.Elapsed < Promise)
            {
                await Task.Delay(5);
            }

            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        stale.Should().BeEmpty();
        slowest.Should().BeLessThan(Promise, "anyone sees a write within a second");
    }

    /// <summary>The writer's signed-in read must pass at once; an anonymous one within the promise.</summary>
    private static async Task ExpectAsync(ConduitClient client, TestUser? writer, string path, Func<Reply, bool> shows, TimeSpan? within = null)
    {
        if (writer is not null)
        {
            var own = await client.GetAsync(path, writer.Token);
            shows(own).Should().BeTrue($"the writer's next read of {path} shows its write: {own.Text}");
        }

        var clock = Stopwatch.StartNew();
        Reply anonymous;
        do
        {
            anonymous = await client.GetAsync(path);
            if (shows(anonymous))
            {
                return;
            }

            await Task.Delay(20);
        }
        while (clock.Elapsed < (within ?? Promise));

        shows(anonymous).Should().BeTrue($"anyone sees the write to {path} within {within ?? Promise}: {anonymous.Text}");
    }

    [Fact]
    public async Task A_burst_of_misses_for_one_entry_reads_the_database_once_and_all_see_the_write()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("burst");
        var slug = await client.CreateArticleAsync(author, title: Unique.Name("Burst"));
        await Task.Delay(300);
        using var spans = new NpgsqlSpans();

        var renamed = await client.SendAsync(HttpMethod.Put, $"/api/articles/{slug}", new { article = new { description = "after the write" } }, author.Token);
        renamed.Status.Should().Be(HttpStatusCode.OK);
        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/articles/{slug}");
            request.Headers.Add("traceparent", spans.TraceParent);
            using var response = await client.Http.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }));

        burst.Should().AllSatisfy(body => body.Should().Contain("after the write"));
        var reads = spans.Statements.Count(statement => statement.Text?.Contains("a.slug = @Slug", StringComparison.Ordinal) == true);
        reads.Should().BeLessThan(5, "concurrent misses share the read under way (20 without it)");
    }

    private async Task BehindTheCachesBackAsync(string sql, string slug)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand($"SET session_replication_role = replica; {sql}", connection);
        command.Parameters.AddWithValue("slug", slug);
        await command.ExecuteNonQueryAsync();
    }
}
