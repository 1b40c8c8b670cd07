using System.Net;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Paging;
using Conduit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conduit.Tests.Articles;

/// <summary>Cursor pages (<c>cursor</c> / <c>nextCursor</c>) for lists, the feed and comments, and <c>?q=</c> search.</summary>
public sealed class CursorAndSearchTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_cursor_walk_sees_every_article_once_in_order_even_while_new_ones_arrive()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("walker");
        var existing = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            existing.Add(await client.CreateArticleAsync(author));
        }

        existing.Reverse(); // newest first
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var reply = await client.GetAsync($"/api/articles?author={author.Username}&limit=3{(cursor is null ? "" : $"&cursor={cursor}")}");
            reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
            seen.AddRange(reply.Json!["articles"]!.AsArray().Select(article => article!["slug"]!.GetValue<string>()));
            cursor = reply.Json!["nextCursor"]?.GetValue<string>();
            pages++;

            // Someone publishes while the reader scrolls: nothing already there may repeat or go missing.
            await client.CreateArticleAsync(author);
        }
        while (cursor is not null && pages < 20);

        seen.Should().Equal(existing.Take(seen.Count));
        seen.Where(existing.Contains).Should().Equal(existing, "every article that was there is seen exactly once");
    }

    [Fact]
    public async Task The_last_page_has_no_next_cursor_and_offset_pages_offer_one()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("ends");
        for (var i = 0; i < 4; i++)
        {
            await client.CreateArticleAsync(author);
        }

        var offsetPage = await client.GetAsync($"/api/articles?author={author.Username}&limit=2&offset=0");
        var next = offsetPage.Json!["nextCursor"]!.GetValue<string>();
        var last = await client.GetAsync($"/api/articles?author={author.Username}&limit=2&cursor={next}");
        var all = await client.GetAsync($"/api/articles?author={author.Username}&limit=4");

        last.Json!["articles"]!.AsArray().Should().HaveCount(2);
        last.Json!["nextCursor"].Should().BeNull();
        last.Json!["articlesCount"]!.GetValue<int>().Should().Be(4);
        all.Json!.AsObject().ContainsKey("nextCursor").Should().BeTrue();
        all.Json!["nextCursor"].Should().BeNull("a page that holds everything is the last");
    }

    [Fact]
    public async Task Tampered_foreign_and_misused_cursors_are_422()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("owner");
        var other = await client.RegisterAsync("other");
        for (var i = 0; i < 3; i++)
        {
            await client.CreateArticleAsync(author);
        }

        var cursor = (await client.GetAsync($"/api/articles?author={author.Username}&limit=1")).Json!["nextCursor"]!.GetValue<string>();
        var tampered = (cursor[0] == 'A' ? "B" : "A") + cursor[1..];
        string[] bad = [
            $"/api/articles?author={author.Username}&cursor={tampered}",
            $"/api/articles?author={other.Username}&cursor={cursor}",
            $"/api/articles?cursor={cursor}",
            $"/api/articles?author={author.Username}&cursor={cursor}&offset=5",
            $"/api/articles?author={author.Username}&cursor={cursor}&q=word",
            "/api/articles?cursor=not-a-cursor",
            $"/api/articles?cursor={new string('A', 500)}",
        ];

        foreach (var path in bad)
        {
            var reply = await client.GetAsync(path);
            reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity, path);
            reply.Json!["errors"].Should().NotBeNull(path);
        }
    }

    [Fact]
    public async Task A_feed_cursor_belongs_to_its_reader()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("star");
        var reader = await client.RegisterAsync("reader");
        var stranger = await client.RegisterAsync("stranger");
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: reader.Token);
        await client.PostAsync($"/api/profiles/{author.Username}/follow", token: stranger.Token);
        for (var i = 0; i < 3; i++)
        {
            await client.CreateArticleAsync(author);
        }

        var first = await client.GetAsync("/api/articles/feed?limit=2", reader.Token);
        var cursor = first.Json!["nextCursor"]!.GetValue<string>();
        var second = await client.GetAsync($"/api/articles/feed?limit=2&cursor={cursor}", reader.Token);
        var stolen = await client.GetAsync($"/api/articles/feed?limit=2&cursor={cursor}", stranger.Token);

        second.Json!["articles"]!.AsArray().Should().HaveCount(1);
        second.Json!["nextCursor"].Should().BeNull();
        stolen.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task The_feeds_plan_setting_stays_with_the_feed()
    {
        using var client = api.CreateConduitClient();
        var reader = await client.RegisterAsync("planned");
        (await client.GetAsync("/api/articles/feed", reader.Token)).Status.Should().Be(HttpStatusCode.OK);

        // The pool hands the connection the feed just used to whoever comes next (ListFeed sets plan_cache_mode).
        var source = api.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        var modes = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var show = new Npgsql.NpgsqlCommand("SHOW plan_cache_mode", connection);
            modes.Add((string)(await show.ExecuteScalarAsync())!);
        }

        modes.Should().AllBe("auto");
    }

    [Fact]
    public async Task Comments_page_oldest_first_with_cursors_and_without_a_limit_all_come_back()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("talk");
        var slug = await client.CreateArticleAsync(author);
        for (var i = 1; i <= 5; i++)
        {
            await client.PostAsync($"/api/articles/{slug}/comments", new { comment = new { body = $"c{i}" } }, author.Token);
        }

        var bodies = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"/api/articles/{slug}/comments?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            bodies.AddRange(page.Json!["comments"]!.AsArray().Select(comment => comment!["body"]!.GetValue<string>()));
            cursor = page.Json!["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null && bodies.Count < 20);
        var everything = await client.GetAsync($"/api/articles/{slug}/comments");
        var foreign = await client.GetAsync($"/api/articles/{await client.CreateArticleAsync(author)}/comments?cursor={(await client.GetAsync($"/api/articles/{slug}/comments?limit=1")).Json!["nextCursor"]}");

        bodies.Should().Equal("c1", "c2", "c3", "c4", "c5");
        everything.Json!["comments"]!.AsArray().Should().HaveCount(5);
        everything.Json!["nextCursor"].Should().BeNull();
        foreign.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public void A_cursor_expires_after_a_day()
    {
        var clock = new MovableClock();
        var cursors = new Cursors(Options.Create(new JwtOptions { SigningKey = ApiFactory.SigningKey }), clock);
        var cursor = cursors.Issue("list", new CursorPosition(DateTime.UtcNow, 42));

        cursors.TryRead(cursor, "list", out var position).Should().BeTrue();
        position.Id.Should().Be(42);
        clock.Now += TimeSpan.FromHours(25);
        cursors.TryRead(cursor, "list", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Search_finds_words_in_titles_descriptions_and_bodies_best_first_with_an_exact_count()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("writer");
        var word = $"zebra{Guid.NewGuid():N}"[..14];
        var inBody = await CreateAsync(client, author, "Plain title", "plain", $"about the {word} in the grass", ["wild"]);
        var inTitle = await CreateAsync(client, author, $"The {word} story", "plain", "nothing here", ["wild"]);
        await CreateAsync(client, author, "Unrelated", "plain", "no match at all", ["wild"]);

        var found = await client.GetAsync($"/api/articles?q={word}");
        var withTag = await client.GetAsync($"/api/articles?q={word}&tag=wild&limit=1");
        var none = await client.GetAsync($"/api/articles?q={word}&tag=tame");

        found.Json!["articles"]!.AsArray().Select(article => article!["slug"]!.GetValue<string>()).Should().Equal(inTitle, inBody);
        found.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
        withTag.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
        withTag.Json!["articles"]!.AsArray().Should().HaveCount(1);
        none.Json!["articlesCount"]!.GetValue<int>().Should().Be(0);
    }

    [Fact]
    public async Task A_cached_search_sees_an_edit_and_a_new_article_at_once()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("editor");
        var word = $"quokka{Guid.NewGuid():N}"[..14];
        var slug = await client.CreateArticleAsync(author);
        (await client.GetAsync($"/api/articles?q={word}")).Json!["articlesCount"]!.GetValue<int>().Should().Be(0);

        await client.PutAsync($"/api/articles/{slug}", new { article = new { body = $"now about the {word}" } }, author.Token);
        var afterEdit = await client.GetAsync($"/api/articles?q={word}");
        await CreateAsync(client, author, $"Another {word}", "d", "b", []);
        var afterCreate = await client.GetAsync($"/api/articles?q={word}");

        afterEdit.Json!["articlesCount"]!.GetValue<int>().Should().Be(1);
        afterCreate.Json!["articlesCount"]!.GetValue<int>().Should().Be(2);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("or")]
    [InlineData("\"\"")]
    [InlineData("'; DROP TABLE articles; --")]
    [InlineData(".*(a|b)+$")]
    [InlineData("!!! & | <-> :*")]
    public async Task Operators_SQL_and_regex_syntax_in_a_search_are_just_text(string q)
    {
        using var client = api.CreateConduitClient();

        var reply = await client.GetAsync($"/api/articles?q={Uri.EscapeDataString(q)}");

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("&tag=any")]
    [InlineData("&author=someone&favorited=someone")]
    public async Task Runs_of_negations_that_overflow_the_search_parser_are_searched_not_500(string filters)
    {
        using var client = api.CreateConduitClient();

        foreach (var q in new[] { new string('-', 33) + "cat", new string('-', 200), string.Concat(Enumerable.Repeat("-!", 100)), string.Concat(Enumerable.Repeat("- ", 97)) + "cat", string.Concat(Enumerable.Repeat("-(", 100)) })
        {
            var reply = await client.GetAsync($"/api/articles?q={Uri.EscapeDataString(q)}{filters}");
            reply.Status.Should().Be(HttpStatusCode.OK, $"{q}: {reply.Text}");
        }
    }

    [Fact]
    public async Task A_negated_term_still_excludes_and_a_hyphenated_word_still_matches()
    {
        using var client = api.CreateConduitClient();
        var author = await client.RegisterAsync("hyphen");
        var word = $"w{Guid.NewGuid():N}"[..12];
        await CreateAsync(client, author, $"{word} state-of-the-art", "d", "b", []);
        await CreateAsync(client, author, $"{word} plain", "d", "b", []);

        (await client.GetAsync($"/api/articles?q={word}+-plain")).Json!["articlesCount"]!.GetValue<int>().Should().Be(1);
        (await client.GetAsync($"/api/articles?q={word}+---plain")).Json!["articlesCount"]!.GetValue<int>().Should().Be(1, "a run of minus signs is one NOT");
        (await client.GetAsync($"/api/articles?q={word}+state-of-the-art")).Json!["articlesCount"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Every_search_text_the_API_passes_on_parses_in_PostgreSQL()
    {
        // Random 1-200 character strings over the parser's operators and a few words: one round trip parses all.
        var random = new Random(20261202);
        string[] pieces = ["-", "-", "-", "!", "\"", "(", ")", " ", " ", "|", "&", ":", "*", "<->", "'", "a", "1", "cat", "or", "OR", "é", "_", ".", "+", "~", "\\"];
        var inputs = Enumerable.Range(0, 20_000)
            .Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 120)).Select(_ => pieces[random.Next(pieces.Length)])))
            .Select(text => text[..Math.Min(text.Length, ListArticlesMaxSearch)])
            .Select(text => Conduit.Features.Articles.SearchText.Normalize(text))
            .ToArray();
        await using var connection = await api.OpenDatabaseAsync();

        var parsed = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT count(websearch_to_tsquery('english', q)) FROM unnest(@inputs) AS q", new { inputs });

        parsed.Should().Be(inputs.Length);
    }

    private const int ListArticlesMaxSearch = Conduit.Features.Articles.ListArticles.MaxSearch;

    [Theory]
    [InlineData("a%0Ab")]
    [InlineData("a%09b")]
    [InlineData("a%0Db")]
    [InlineData("a%7Fb")]
    [InlineData("a%C2%85b")]
    public async Task A_search_with_a_control_character_is_422_naming_q(string q)
    {
        using var client = api.CreateConduitClient();

        var reply = await client.GetAsync($"/api/articles?q={q}");

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Error("q").Should().Be("contains invalid characters");
    }

    [Theory]
    [InlineData("/api/articles?q=a&limit=100&offset=2147483600")]
    [InlineData("/api/articles?limit=100&offset=2147483647")]
    [InlineData("/api/articles?tag=x&offset=10001")]
    [InlineData("/api/articles/feed?offset=10001")]
    [InlineData("/api/admin/users?offset=2147483600")]
    [InlineData("/api/admin/audit?offset=10001")]
    public async Task An_offset_beyond_the_documented_bound_is_422_naming_offset_on_every_list(string path)
    {
        using var client = api.CreateConduitClient();
        var caller = await client.RegisterAsync("deep");
        await using (var connection = await api.OpenDatabaseAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE users SET role = 'admin' WHERE username = @Username", new { caller.Username });
        }

        var reply = await client.GetAsync(path, caller.Token);

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity, reply.Text);
        reply.Error("offset").Should().Be($"must be between 0 and {PageRules.MaxOffset} (deeper: use the cursor)");
        (await client.GetAsync(path.Replace("offset=", "offset=1&x=", StringComparison.Ordinal), caller.Token)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(201)]
    public async Task An_over_long_search_is_422(int length)
    {
        using var client = api.CreateConduitClient();

        var reply = await client.GetAsync($"/api/articles?q={new string('a', length)}");

        reply.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        reply.Json!["errors"]!["q"].Should().NotBeNull();
    }

    [Fact]
    public async Task A_search_with_a_NUL_byte_or_nothing_in_it_is_422()
    {
        using var client = api.CreateConduitClient();

        var nul = await client.GetAsync("/api/articles?q=a%00b");
        var blank = await client.GetAsync("/api/articles?q=%20%20");

        nul.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        blank.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    private static async Task<string> CreateAsync(ConduitClient client, TestUser author, string title, string description, string body, string[] tags)
    {
        var reply = await client.PostAsync("/api/articles", new { article = new { title = $"{title} {Guid.NewGuid():N}"[..Math.Min(title.Length + 9, 200)], description, body, tagList = tags } }, author.Token);
        reply.Status.Should().Be(HttpStatusCode.Created, reply.Text);
        return reply.Json!["article"]!["slug"]!.GetValue<string>();
    }

    private sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
