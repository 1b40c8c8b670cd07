using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Paging;
using Conduit.Infrastructure.Validation;
using FluentValidation;
using Mediator;

namespace Conduit.Features.Articles;

public static class ListArticles
{
    public const int MaxSearch = 200;

    /// <param name="Q">Words to search titles, descriptions and bodies for (web-search syntax: "quotes", or, -not).</param>
    /// <param name="Cursor">The <c>nextCursor</c> of the previous page: keyset paging, in place of <c>offset</c>.</param>
    public sealed record Query(string? Tag, string? Author, string? Favorited, int? Limit, int? Offset, string? Cursor, string? Q) : IQuery<ArticlesEnvelope>
    {
        /// <summary>What a cursor of this list is bound to: a cursor of another list is refused.</summary>
        internal string List => $"articles\n{Tag}\n{Author}\n{Favorited}";
    }

    /// <summary>The page as anyone sees it: cached, shared by every viewer.</summary>
    public sealed record Page(string? Tag, string? Author, string? Favorited, int Limit, int Offset, CursorPosition? After, string? Q) : IQuery<PublicPage>, ICachedQuery
    {
        // Names in the key as sent: "Bob" and "bob" are two entries with the same dependencies.
        public string CacheKey =>
            $"articles:{Limit}:{Offset}:{After?.Time.Ticks}:{After?.Id}:{Tag?.Length}:{Tag}:{Author?.Length}:{Author}:{Favorited?.Length}:{Favorited}:{Q}";

        internal string List => $"articles\n{Tag}\n{Author}\n{Favorited}";
    }

    /// <summary>A shared page, and what makes it stale: its membership (new or deleted matches) and what it shows.</summary>
    public sealed record PublicPage(ArticlesEnvelope Envelope, long[] ArticleIds, long[] AuthorIds, string[] Membership) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [.. Membership, .. ArticleIds.Select(CacheTags.Article), .. AuthorIds.Select(CacheTags.Profile)];
    }

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator(Cursors cursors)
        {
            PageRules.Apply(this, query => query.Limit, query => query.Offset);
            ArticleRules.CursorOf(this, cursors, query => query.Cursor, query => query.Offset, query => query.List);
            RuleFor(query => query.Q).NotBlank().MaxChars(MaxSearch).SingleLine().When(query => query.Q is not null).OverridePropertyName("q");
            // Names are compared in SQL: a NUL would fail there, and is nobody's name.
            RuleFor(query => query.Tag).NoControlCharacters().OverridePropertyName("tag");
            RuleFor(query => query.Author).NoControlCharacters().OverridePropertyName("author");
            RuleFor(query => query.Favorited).NoControlCharacters().OverridePropertyName("favorited");
            RuleFor(query => query.Cursor).Null().When(query => query.Q is not null)
                .WithMessage("cannot be combined with q (search pages by relevance; use offset)").OverridePropertyName("cursor");
        }
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user, Cursors cursors) : IQueryHandler<Query, ArticlesEnvelope>
    {
        public async ValueTask<ArticlesEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            CursorPosition? after = cursors.TryRead(query.Cursor, query.List, out var position) ? position : null;
            var page = await sender.Send(
                new Page(query.Tag, query.Author, query.Favorited, query.Limit ?? PageRules.DefaultPageSize, query.Offset ?? 0, after, SearchText.Normalize(query.Q)), cancellationToken);
            if (user.Id is not { } viewer || page.ArticleIds.Length == 0)
            {
                return page.Envelope;
            }

            // The viewer's favorites and follows laid over the shared page.
            var (favorited, following) = await ArticleSql.ViewerFlagsAsync(reads.Source, viewer, page.ArticleIds, page.AuthorIds, cancellationToken);
            return page.Envelope with
            {
                Articles = [.. page.Envelope.Articles.Select((article, i) => article with
                {
                    Favorited = favorited.Contains(page.ArticleIds[i]),
                    Author = article.Author with { Following = following.Contains(page.AuthorIds[i]) },
                })],
            };
        }
    }

    internal sealed class PageHandler(ReadDatabase reads, Cursors cursors) : IQueryHandler<Page, PublicPage>
    {
        // Each filter is a fixed predicate with its own index (article_tags_visible_tag_created_idx,
        // articles_author_created_idx, favorites PK, articles_search_idx); values are always parameters.
        private const string ByTag = "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = @Tag AND NOT at.hidden)";
        private const string ByAuthor = "a.author_id = (SELECT id FROM users WHERE lower(username) = lower(@Author))";
        private const string ByFavorited = "a.id IN (SELECT f.article_id FROM favorites f WHERE f.user_id = (SELECT id FROM users WHERE lower(username) = lower(@Favorited)))";
        private const string Matching = "a.search @@ websearch_to_tsquery('english', @Q)";

        // All articles: the trigger-kept counter (migrations 0002, 0014) instead of counting the whole table.
        private const string CountAll = "SELECT sum(total)::bigint FROM article_count";

        // A search alone: a broad search's count is kept and brought up to date, not recounted (migration 0015).
        private const string SearchOnlyCount = "SELECT search_count(websearch_to_tsquery('english', @Q))";

        // By tag alone (the common case): article_tags_visible_tag_created_idx yields the page in order and the count
        // index-only, whatever the tag's size.
        private const string TagOnlyCount = "SELECT count(*) FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = @Tag) AND NOT hidden";

        private const int Cursor = 8;
        private const int Search = 16;

        // One statement per combination of filters, cursor and search, built once: the planner sees exactly the
        // predicates in use (no "@x IS NULL OR" that defeats indexes).
        private static readonly Dictionary<int, string> Sql = Enumerable.Range(0, 8)
            .SelectMany(filters => new[] { filters, filters | Cursor, filters | Search })
            .ToDictionary(mask => mask, Statement);

        /// <summary>The statement of the unfiltered list: the benchmark's pgbench ceiling runs exactly this.</summary>
        internal static string UnfilteredSql => Sql[0];

        public async ValueTask<PublicPage> Handle(Page query, CancellationToken cancellationToken)
        {
            var filters = (query.Tag is null ? 0 : 1) | (query.Author is null ? 0 : 2) | (query.Favorited is null ? 0 : 4);
            var mask = filters | (query.After is null ? 0 : Cursor) | (query.Q is null ? 0 : Search);
            var args = new
            {
                query.Tag,
                query.Author,
                query.Favorited,
                query.Q,
                Viewer = (long?)null,
                Limit = query.Limit + 1,
                Offset = query.After is null ? query.Offset : 0,
                AfterTime = query.After?.Time,
                AfterId = query.After?.Id,
            };
            var (envelope, articles, authors, ids, next) = await ArticleSql.ReadPublicPageAsync(
                reads.Source, Sql[mask], args, query.Limit, filtered: filters != 0, cancellationToken);
            return new PublicPage(
                envelope with { NextCursor = next is { } last && query.Q is null ? cursors.Issue(query.List, last) : null },
                articles, authors, Membership(query, ids));
        }

        private static string Statement(int mask)
        {
            var filters = mask & 7;
            var prefix = filters == 0 ? "" : ArticleSql.FilterIdsSql;
            if ((mask & Search) != 0)
            {
                return prefix + ArticleSql.SearchPage($"{Filter(filters)} AND {Matching}", "websearch_to_tsquery('english', @Q)", filters == 0 ? SearchOnlyCount : null);
            }

            var afterCursor = (mask & Cursor) != 0;
            return filters switch
            {
                0 => ArticleSql.Page(Filter(filters), CountAll, afterCursor),
                1 => prefix + ArticleSql.PageOf(TagOnlyPage(afterCursor), TagOnlyCount),
                _ => prefix + ArticleSql.Page(Filter(filters), afterCursor: afterCursor),
            };
        }

        private static string TagOnlyPage(bool afterCursor) => $"""
            SELECT {ArticleSql.PageColumns}
            FROM article_tags at JOIN articles a ON a.id = at.article_id
            WHERE at.tag_id = (SELECT id FROM tags WHERE name = @Tag) AND NOT at.hidden{(afterCursor ? " AND (at.created_at, at.article_id) < (@AfterTime, @AfterId)" : "")}
            ORDER BY at.created_at DESC, at.article_id DESC
            LIMIT @Limit OFFSET @Offset
            """;

        // A name nobody has yet (an unknown tag, author or favoriter) can only gain articles after a new tag or user.
        // A search also changes with any article's edit (E) or new article (L).
        private static string[] Membership(Page query, ArticleSql.FilterIds ids) =>
            query is { Tag: null, Author: null, Favorited: null }
                ? query.Q is null ? [CacheTags.ArticleList] : [CacheTags.ArticleList, CacheTags.ArticleText]
                : [
                    .. query.Q is null ? [] : new[] { CacheTags.ArticleList, CacheTags.ArticleText },
                    .. query.Tag is null ? [] : new[] { ids.Tag is { } tag ? CacheTags.Tag(tag) : CacheTags.TagsInUse },
                    .. query.Author is null ? [] : new[] { ids.Author is { } author ? CacheTags.Author(author) : CacheTags.NewUser },
                    .. query.Favorited is null ? [] : new[] { ids.Favoriter is { } favoriter ? CacheTags.Favorites(favoriter) : CacheTags.NewUser },
                ];

        private static string Filter(int mask)
        {
            // A suspended author's articles are hidden (migration 0010): every list shows visible ones only,
            // and the partial indexes (articles_visible_created_idx, article_tags_visible_tag_created_idx) hold just those.
            string[] all = [ByTag, ByAuthor, ByFavorited];
            return string.Join(" AND ", ["NOT a.hidden", .. all.Where((_, bit) => (mask & (1 << bit)) != 0)]);
        }
    }
}

/// <summary>
/// What reaches <c>websearch_to_tsquery</c>. Every <c>-</c> it reads before a term is one more NOT, and 33 of them
/// in a row ("-----a", "- - - a", "-!-!a") overflow its stack: an error, not a search. Here a <c>-</c> is an operator
/// only where it starts a term or a quoted phrase; any other is a separator, as the parser treats other punctuation,
/// so at most one NOT precedes a term and every 1-200 character input parses (a test feeds it 20,000 random ones).
/// </summary>
internal static class SearchText
{
    public static string? Normalize(string? q)
    {
        if (q is null || !q.Contains('-', StringComparison.Ordinal))
        {
            return q;
        }

        return string.Create(q.Length, q, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                var startsTerm = i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] == '"');
                span[i] = text[i] == '-' && !startsTerm ? ' ' : text[i];
            }
        });
    }
}
