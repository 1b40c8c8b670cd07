using System.Text.Json.Serialization;
using Conduit.Features.Shared;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Paging;
using Dapper;
using Npgsql;

namespace Conduit.Features.Articles;

/// <summary>
/// How the Articles area reads articles for a viewer (<c>@Viewer</c>, null when anonymous): tags,
/// favorited, counts and author in the same statement, so a page is one round trip whatever its size.
/// </summary>
internal static class ArticleSql
{
    private const string ViewerColumns = """
        a.id, a.author_id, a.version, u.version AS author_version, a.slug, a.title, a.description,
        ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
              WHERE at.article_id = a.id ORDER BY t.name) AS tag_list,
        a.created_at, a.updated_at,
        EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = @Viewer AND f.article_id = a.id) AS favorited,
        a.favorites_count,
        u.username, u.bio, u.image,
        EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = @Viewer AND fo.followee_id = a.author_id) AS following
        """;

    public const string BySlug = $"""
        SELECT a.body, {ViewerColumns}
        FROM articles a JOIN users u ON u.id = a.author_id
        WHERE a.slug = @Slug AND NOT a.hidden
        """;

    public const string ById = $"""
        SELECT a.body, {ViewerColumns}
        FROM articles a JOIN users u ON u.id = a.author_id
        WHERE a.id = @Id
        """;

    /// <summary>Replaces an article's tags (<c>@Id</c>, <c>@Tags</c>); run inside the writer's transaction.</summary>
    public const string ReplaceTags = """
        DELETE FROM article_tags WHERE article_id = @Id;
        INSERT INTO tags (name) SELECT DISTINCT unnest(@Tags::text[]) ORDER BY 1 ON CONFLICT (name) DO NOTHING;
        INSERT INTO article_tags (article_id, tag_id, created_at, hidden)
        SELECT a.id, t.id, a.created_at, a.hidden FROM articles a, tags t WHERE a.id = @Id AND t.name = ANY(@Tags::text[]);
        """;

    /// <summary>The columns of <c>articles a</c> a page query selects for <see cref="PageOf"/>.</summary>
    public const string PageColumns = "a.id, a.slug, a.title, a.description, a.author_id, a.version, a.favorites_count, a.created_at, a.updated_at";

    /// <summary>The viewer's own flags for the articles and authors of a cached answer: two primary-key probes, one round trip.</summary>
    private const string ViewerFlagsSql = $"""
        SELECT ARRAY(SELECT article_id FROM favorites WHERE user_id = @Viewer AND article_id = ANY(@Articles)) AS favorited,
               {Following.AmongSql} AS following
        """;

    /// <summary>
    /// The count and one page of the articles matching <paramref name="filter"/> (a fixed SQL predicate on
    /// <c>a</c>); <paramref name="count"/> replaces counting the matches when something cheaper knows it.
    /// </summary>
    public static string Page(string filter, string? count = null, bool afterCursor = false) => PageOf(
        $"""
        SELECT {PageColumns}
        FROM articles a
        WHERE {filter}{(afterCursor ? $" AND {AfterCursor}" : "")}
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT @Limit OFFSET @Offset
        """,
        count ?? $"SELECT count(*) FROM articles a WHERE {filter}");

    /// <summary>Keyset paging: strictly after the cursor's article in (created_at, id) order — one index seek at any depth.</summary>
    public const string AfterCursor = "(a.created_at, a.id) < (@AfterTime, @AfterId)";

    /// <summary>
    /// <paramref name="count"/>, then the page <paramref name="pageRows"/> picks (<see cref="PageColumns"/>,
    /// newest first, limited) as list items. The page is chosen first, so authors, tags and flags are looked
    /// up for its rows only, not for every match.
    /// </summary>
    public static string PageOf(string pageRows, string count, string order = "a.created_at DESC, a.id DESC") => $"""
        {count};
        SELECT {ViewerColumns}
        FROM ({pageRows}) AS a
        JOIN users u ON u.id = a.author_id
        ORDER BY {order};
        """;

    /// <summary>
    /// A search page (<c>?q=</c>): the matches of <paramref name="filter"/> (which includes the text match,
    /// served by articles_search_idx), the best first, then the newest; the count is exact. Relevance is
    /// weighed among the newest 1,000 matches (more when the page reaches deeper): ranking every match of a
    /// term that is in every article took 6 s at L (1M articles) and held a backend all that time; the
    /// newest 1,000 take 5 ms. A search with fewer matches ranks them all, as before. Relevance is ts_rank (how
    /// often, and where: title, description, body), not ts_rank_cd, whose cover density made a phrase search's
    /// page 3 × slower (11 ms vs 4 ms at L).
    /// <paramref name="count"/> replaces counting the matches when something cheaper knows it.
    /// </summary>
    public static string SearchPage(string filter, string query, string? count = null) => PageOf(
        $"""
        SELECT {PageColumns}, ts_rank(a.search, {query}) AS rank
        FROM (SELECT {PageColumns}, a.search FROM articles a
              WHERE {filter}
              ORDER BY a.created_at DESC, a.id DESC
              LIMIT GREATEST(1000, @Offset + @Limit)) AS a
        ORDER BY rank DESC, a.created_at DESC, a.id DESC
        LIMIT @Limit OFFSET @Offset
        """,
        count ?? $"SELECT count(*) FROM articles a WHERE {filter}",
        "a.rank DESC, a.created_at DESC, a.id DESC");

    /// <summary>
    /// A page of at most <paramref name="limit"/> articles; <paramref name="sql"/> is run with
    /// <c>@Limit</c> one more than that, and the extra row tells whether a next page exists.
    /// </summary>
    public static async Task<(ArticlesEnvelope Envelope, CursorPosition? Next)> ReadPageAsync(NpgsqlDataSource db, string sql, object args, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        var count = await results.ReadSingleAsync<long>();
        var (rows, next) = Trim((await results.ReadAsync<ArticleRow>()).ToArray(), limit);
        return (new ArticlesEnvelope([.. rows.Select(row => row.ToSummary())], count), next);
    }

    /// <summary>
    /// The ids the filters of a list name (tag, author, favoriter; null when nothing has that name): run
    /// before a filtered <see cref="Page"/>, so that a cached page knows what its membership depends on.
    /// </summary>
    public const string FilterIdsSql = """
        SELECT (SELECT id FROM tags WHERE name = @Tag) AS tag,
               (SELECT id FROM users WHERE lower(username) = lower(@Author)) AS author,
               (SELECT id FROM users WHERE lower(username) = lower(@Favorited)) AS favoriter;
        """;

    /// <summary>
    /// A page as anyone sees it, with the ids that the viewer's flags and the cache need;
    /// <paramref name="filtered"/>: <paramref name="sql"/> starts with <see cref="FilterIdsSql"/>.
    /// </summary>
    public static async Task<(ArticlesEnvelope Envelope, long[] ArticleIds, long[] AuthorIds, FilterIds Filters, CursorPosition? Next)> ReadPublicPageAsync(
        NpgsqlDataSource db, string sql, object args, int limit, bool filtered, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        var filters = filtered ? await results.ReadSingleAsync<FilterIds>() : new FilterIds(null, null, null);
        var count = await results.ReadSingleAsync<long>();
        var (rows, next) = Trim((await results.ReadAsync<ArticleRow>()).ToArray(), limit);
        return (new ArticlesEnvelope([.. rows.Select(row => row.ToSummary())], count), [.. rows.Select(row => row.Id)], [.. rows.Select(row => row.AuthorId)], filters, next);
    }

    private static (ArticleRow[] Rows, CursorPosition? Next) Trim(ArticleRow[] rows, int limit) =>
        rows.Length > limit ? (rows[..limit], new CursorPosition(rows[limit - 1].CreatedAt, rows[limit - 1].Id)) : (rows, null);

    /// <summary>An article as anyone sees it (not favorited, author not followed), or 404.</summary>
    public static async Task<PublicArticle> ReadPublicOneAsync(NpgsqlDataSource db, string slug, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ArticleRow>(new CommandDefinition(BySlug, new { Slug = slug, Viewer = (long?)null }, cancellationToken: cancellationToken))
            ?? throw ApiException.NotFound("article");
        return new PublicArticle(row.Id, row.AuthorId, new ArticleEnvelope(row.ToArticle()) { ETag = row.ETag });
    }

    /// <summary>The viewer's flags for the articles and authors of a shared answer: two primary-key probes, one round trip.</summary>
    public static async Task<(HashSet<long> Favorited, HashSet<long> Following)> ViewerFlagsAsync(
        NpgsqlDataSource db, long viewer, long[] articles, long[] authors, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var flags = await connection.QuerySingleAsync<(long[] Favorited, long[] Following)>(new CommandDefinition(
            ViewerFlagsSql, new { Viewer = viewer, Articles = articles, People = authors.Distinct().ToArray() }, cancellationToken: cancellationToken));
        return ([.. flags.Favorited], [.. flags.Following]);
    }

    public sealed record FilterIds(long? Tag, long? Author, long? Favoriter);

    /// <summary>Runs <paramref name="sql"/> (ending in <see cref="BySlug"/> or <see cref="ById"/>) and returns the article, or 404.</summary>
    public static async Task<ArticleEnvelope> ReadOneAsync(NpgsqlConnection connection, string sql, object args, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        await TryReadOneAsync(connection, sql, args, cancellationToken, transaction) ?? throw ApiException.NotFound("article");

    /// <summary>The article <paramref name="sql"/> selects (<see cref="ById"/> or <see cref="BySlug"/>), or null.</summary>
    public static async Task<ArticleEnvelope?> TryReadOneAsync(NpgsqlConnection connection, string sql, object args, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleOrDefaultAsync<ArticleRow>(new CommandDefinition(sql, args, transaction, cancellationToken: cancellationToken));
        return row is null ? null : new ArticleEnvelope(row.ToArticle());
    }

    private sealed class ArticleRow
    {
        public long Id { get; init; }
        public long AuthorId { get; init; }
        public int Version { get; init; }
        public int AuthorVersion { get; init; }
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public string Description { get; init; } = "";
        public string? Body { get; init; }
        public string[] TagList { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public bool Favorited { get; init; }
        public int FavoritesCount { get; init; }
        public string Username { get; init; } = "";
        public string? Bio { get; init; }
        public string? Image { get; init; }
        public bool Following { get; init; }

        private Profile Author => new(Username, Bio, Image, Following);

        /// <summary>Id and version first (what If-Match compares), then what else the rendering shows.</summary>
        public string ETag => $"\"{Id}.{Version}.{FavoritesCount}.{AuthorVersion}\"";

        public Article ToArticle() => new(Slug, Title, Description, Body ?? "", TagList, CreatedAt, UpdatedAt, Favorited, FavoritesCount, Author);

        public ArticleSummary ToSummary() => new(Slug, Title, Description, TagList, CreatedAt, UpdatedAt, Favorited, FavoritesCount, Author);
    }
}
