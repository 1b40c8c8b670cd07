using System.Net;
using Conduit.Tests.Infrastructure;
using Npgsql;

namespace Conduit.Tests.Articles;

/// <summary>
/// A broad search's count is kept with its snapshot and brought up to date from a log of changes (migration
/// 0015): it must stay exactly what counting the matches would say, through writes, folds and transactions
/// that were running while it was taken.
/// </summary>
public sealed class SearchCountTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    // The smallest count search_count keeps.
    private const int Broad = 5000;

    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task A_kept_count_stays_exact_through_creates_edits_deletes_hiding_and_folds()
    {
        var author = await client.RegisterAsync("broad");
        var word = await SeedAsync(author, Broad);

        (await SearchCountAsync(word)).Should().Be(Broad);
        (await KeptAsync(word)).Should().Be(Broad, "a count this large is kept");

        var created = await CreateAsync(author, $"More {word}", $"about {word}");
        await CreateAsync(author, "Elsewhere", "nothing to find");
        (await SearchCountAsync(word)).Should().Be(Broad + 1);

        await client.PutAsync($"/api/articles/{created}", new { article = new { title = "Renamed", body = "gone" } }, author.Token);
        (await SearchCountAsync(word)).Should().Be(Broad);
        await client.PutAsync($"/api/articles/{created}", new { article = new { body = $"the {word} again" } }, author.Token);
        (await SearchCountAsync(word)).Should().Be(Broad + 1);

        // A fold drops only what the fold before it folded (a count being taken may still need the rest).
        await FoldAsync();
        await FoldAsync();
        (await ChangesAsync()).Should().Be(0);
        (await KeptAsync(word)).Should().Be(Broad + 1);

        await client.DeleteAsync($"/api/articles/{created}", author.Token);
        await ExecuteAsync("UPDATE articles SET hidden = true WHERE id IN (SELECT id FROM articles WHERE author_id = (SELECT id FROM users WHERE username = @name) ORDER BY id LIMIT 10)", author.Username);
        (await SearchCountAsync(word)).Should().Be(Broad - 10);
        await FoldAsync();
        await ExecuteAsync("UPDATE articles SET hidden = false WHERE author_id = (SELECT id FROM users WHERE username = @name)", author.Username);

        (await SearchCountAsync(word)).Should().Be(Broad).And.Be(await CountMatchesAsync(word));
    }

    [Fact]
    public async Task A_transaction_running_while_the_count_was_taken_is_added_when_it_commits()
    {
        var author = await client.RegisterAsync("racer");
        var word = await SeedAsync(author, Broad);
        await using var writer = await api.OpenDatabaseAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(InsertSql, writer, transaction))
        {
            insert.Parameters.AddWithValue("name", author.Username);
            insert.Parameters.AddWithValue("word", word);
            insert.Parameters.AddWithValue("n", 3);
            await insert.ExecuteNonQueryAsync();
        }

        // A later transaction commits first: the count's snapshot then has the writer among those still running
        // below its horizon, not merely beyond it.
        await CreateAsync(author, $"Later {word}", "b");
        (await SearchCountAsync(word)).Should().Be(Broad + 1, "the first writer has not committed");
        (await KeptAsync(word)).Should().Be(Broad + 1);
        await transaction.CommitAsync();

        (await SearchCountAsync(word, limit: 3)).Should().Be(Broad + 4);
        await FoldAsync();
        (await SearchCountAsync(word)).Should().Be(Broad + 4).And.Be(await CountMatchesAsync(word));
    }

    [Fact]
    public async Task The_kept_count_is_what_answers_and_a_small_count_is_not_kept()
    {
        var author = await client.RegisterAsync("kept");
        var broad = await SeedAsync(author, Broad);
        var rare = $"rare{Guid.NewGuid():N}"[..12];
        await CreateAsync(author, $"A {rare}", "once");
        await SearchCountAsync(broad);

        // Doctored behind the API's back: a different page size is another cache entry, so the database answers.
        await ScalarAsync("UPDATE search_counts SET total = total + 7 WHERE query = @query", ("query", $"'{broad}'"));

        (await SearchCountAsync(broad, limit: 2)).Should().Be(Broad + 7);
        (await SearchCountAsync(rare)).Should().Be(1);
        (await KeptAsync(rare)).Should().BeNull();
    }

    [Fact]
    public async Task A_count_kept_through_one_instance_is_exact_through_the_other()
    {
        using var factoryB = api.WithWebHostBuilder(_ => { });
        using var b = new ConduitClient(factoryB.CreateClient());
        var author = await client.RegisterAsync("fleet");
        var word = await SeedAsync(author, Broad);
        (await SearchCountAsync(word)).Should().Be(Broad);

        var created = await b.PostAsync("/api/articles", new { article = new { title = $"Via B {word}", description = "d", body = "b" } }, author.Token);
        created.Status.Should().Be(HttpStatusCode.Created);
        var throughB = await b.GetAsync($"/api/articles?q={word}&limit=4");

        throughB.Json!["articlesCount"]!.GetValue<long>().Should().Be(Broad + 1);
        (await SearchCountAsync(word, limit: 5)).Should().Be(Broad + 1);
        (await ScalarAsync("SELECT count(*) FROM search_counts WHERE query = @query", ("query", $"'{word}'"))).Should().Be(1L, "both instances share the one kept count");
    }

    [Fact]
    public async Task A_fold_keeps_the_200_most_recently_kept_counts()
    {
        await ScalarAsync("""
            INSERT INTO search_counts (query, terms, total, as_of, kept_at)
            SELECT 'evict' || n, to_tsquery('simple', 'evict' || n), n, pg_current_snapshot(), now() - make_interval(secs => 1000 - n)
            FROM generate_series(1, 250) AS n
            """);

        await FoldAsync();

        (await ScalarAsync("SELECT count(*) FROM search_counts")).Should().Be(200L);
        // Other tests' counts are newer still; the oldest of these went first.
        (await ScalarAsync("SELECT count(*) FROM search_counts WHERE query LIKE 'evict%' AND total <= 50")).Should().Be(0L);
        (await ScalarAsync("SELECT count(*) FROM search_counts WHERE query = 'evict250'")).Should().Be(1L);
    }

    private const string InsertSql = """
        INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
        SELECT 'seeded-' || gen_random_uuid(), 'Seeded ' || n, 'about ' || @word, 'the ' || @word || ' body', u.id, now(), now()
        FROM generate_series(1, @n) AS n, users u WHERE u.username = @name
        """;

    /// <summary><paramref name="n"/> articles with a word no other test uses, written straight to the table (triggers on).</summary>
    private async Task<string> SeedAsync(TestUser author, int n)
    {
        var word = $"broad{Guid.NewGuid():N}"[..13];
        await using var connection = await api.OpenDatabaseAsync();
        await using var insert = new NpgsqlCommand(InsertSql, connection);
        insert.Parameters.AddWithValue("name", author.Username);
        insert.Parameters.AddWithValue("word", word);
        insert.Parameters.AddWithValue("n", n);
        await insert.ExecuteNonQueryAsync();
        return word;
    }

    private async Task<string> CreateAsync(TestUser author, string title, string body)
    {
        var reply = await client.PostAsync("/api/articles", new { article = new { title, description = "d", body } }, author.Token);
        reply.Status.Should().Be(HttpStatusCode.Created);
        return reply.Json!["article"]!["slug"]!.GetValue<string>();
    }

    private async Task<long> SearchCountAsync(string word, int limit = 1)
    {
        var reply = await client.GetAsync($"/api/articles?q={word}&limit={limit}");
        reply.Status.Should().Be(HttpStatusCode.OK);
        return reply.Json!["articlesCount"]!.GetValue<long>();
    }

    /// <summary>A fold of this test's own (an instance's periodic fold may be running: then this one waits for it).</summary>
    private async Task FoldAsync()
    {
        while (!(bool)(await ScalarAsync("SELECT search_counts_fold()"))!)
        {
            await Task.Delay(20);
        }
    }

    private async Task<long?> KeptAsync(string word) =>
        await ScalarAsync("SELECT total FROM search_counts WHERE query = @query", ("query", $"'{word}'")) as long?;

    private async Task<long> ChangesAsync() => (long)(await ScalarAsync("SELECT count(*) FROM search_count_changes"))!;

    private async Task<long> CountMatchesAsync(string word) =>
        (long)(await ScalarAsync("SELECT count(*) FROM articles WHERE NOT hidden AND search @@ websearch_to_tsquery('english', @word)", ("word", word)))!;

    private async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql, string name)
    {
        await using var connection = await api.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync();
    }
}
