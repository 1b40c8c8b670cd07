using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using FluentValidation;
using Mediator;

namespace Conduit.Features.Articles;

public static class ListArticles
{
    public sealed record Query(string? Tag, string? Author, string? Favorited, int? Limit, int? Offset) : IQuery<ArticlesEnvelope>;

    /// <summary>The page as anyone sees it: cached, shared by every viewer.</summary>
    public sealed record Page(string? Tag, string? Author, string? Favorited, int Limit, int Offset) : IQuery<PublicPage>, ICachedQuery
    {
        // Names in the key as sent: "Bob" and "bob" are two entries with the same dependencies.
        public string CacheKey => $"articles:{Limit}:{Offset}:{Tag?.Length}:{Tag}:{Author?.Length}:{Author}:{Favorited?.Length}:{Favorited}";
    }

    /// <summary>A shared page, and what makes it stale: its membership (new or deleted matches) and what it shows.</summary>
    public sealed record PublicPage(ArticlesEnvelope Envelope, long[] ArticleIds, long[] AuthorIds, string[] Membership) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [.. Membership, .. ArticleIds.Select(id => $"a{id}"), .. AuthorIds.Select(id => $"u{id}")];
    }

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => ArticleRules.Paging(this, query => query.Limit, query => query.Offset);
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, ArticlesEnvelope>
    {
        public async ValueTask<ArticlesEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var page = await sender.Send(
                new Page(query.Tag, query.Author, query.Favorited, query.Limit ?? ArticleRules.DefaultPageSize, query.Offset ?? 0), cancellationToken);
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

    internal sealed class PageHandler(ReadDatabase reads) : IQueryHandler<Page, PublicPage>
    {
        // Each filter is a fixed predicate with its own index (article_tags_visible_tag_created_idx,
        // articles_author_created_idx, favorites PK); values are always parameters.
        private const string ByTag = "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = @Tag AND NOT at.hidden)";
        private const string ByAuthor = "a.author_id = (SELECT id FROM users WHERE lower(username) = lower(@Author))";
        private const string ByFavorited = "a.id IN (SELECT f.article_id FROM favorites f WHERE f.user_id = (SELECT id FROM users WHERE lower(username) = lower(@Favorited)))";

        // One statement per combination of filters, built once: the planner sees exactly the
        // predicates in use (no "@x IS NULL OR" that defeats indexes), and there are only eight.
        // All articles: the trigger-kept counter (migration 0002) instead of counting the whole table.
        private const string CountAll = "SELECT total FROM article_count";

        // By tag alone (the common case): article_tags_visible_tag_created_idx yields the page in order and the count
        // index-only, whatever the tag's size.
        private const string TagOnlyCount = "SELECT count(*) FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = @Tag) AND NOT hidden";
        private const string TagOnlyPage = $"""
            SELECT {ArticleSql.PageColumns}
            FROM article_tags at JOIN articles a ON a.id = at.article_id
            WHERE at.tag_id = (SELECT id FROM tags WHERE name = @Tag) AND NOT at.hidden
            ORDER BY at.created_at DESC, at.article_id DESC
            LIMIT @Limit OFFSET @Offset
            """;

        private static readonly string[] Sql = [.. Enumerable.Range(0, 8).Select(mask => mask switch
        {
            0 => ArticleSql.Page(Filter(mask), CountAll),
            1 => ArticleSql.FilterIdsSql + ArticleSql.PageOf(TagOnlyPage, TagOnlyCount),
            _ => ArticleSql.FilterIdsSql + ArticleSql.Page(Filter(mask)),
        })];

        /// <summary>The statement of the unfiltered list: the benchmark's pgbench ceiling runs exactly this.</summary>
        internal static string UnfilteredSql => Sql[0];

        public async ValueTask<PublicPage> Handle(Page query, CancellationToken cancellationToken)
        {
            var mask = (query.Tag is null ? 0 : 1) | (query.Author is null ? 0 : 2) | (query.Favorited is null ? 0 : 4);
            var args = new { query.Tag, query.Author, query.Favorited, Viewer = (long?)null, query.Limit, query.Offset };
            var (envelope, articles, authors, ids) = await ArticleSql.ReadPublicPageAsync(reads.Source, Sql[mask], args, filtered: mask != 0, cancellationToken);
            return new PublicPage(envelope, articles, authors, Membership(query, ids));
        }

        // A name nobody has yet (an unknown tag, author or favoriter) can only gain articles after a new tag or user.
        private static string[] Membership(Page query, ArticleSql.FilterIds ids) =>
            query is { Tag: null, Author: null, Favorited: null }
                ? ["L"]
                : [
                    .. query.Tag is null ? [] : new[] { ids.Tag is { } tag ? $"t{tag}" : "T" },
                    .. query.Author is null ? [] : new[] { ids.Author is { } author ? $"A{author}" : "U" },
                    .. query.Favorited is null ? [] : new[] { ids.Favoriter is { } favoriter ? $"F{favoriter}" : "U" },
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
