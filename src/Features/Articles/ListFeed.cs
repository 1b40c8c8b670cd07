using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Paging;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class ListFeed
{
    /// <param name="Cursor">The <c>nextCursor</c> of the previous page: keyset paging, in place of <c>offset</c>.</param>
    public sealed record Query(int? Limit, int? Offset, string? Cursor) : IQuery<ArticlesEnvelope>, IAuthenticated;

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator(Cursors cursors, ICurrentUser user)
        {
            PageRules.Apply(this, query => query.Limit, query => query.Offset);
            ArticleRules.CursorOf(this, cursors, query => query.Cursor, query => query.Offset, _ => List(user.Id));
        }
    }

    /// <summary>A feed is its reader's own: a cursor of another reader's feed is refused.</summary>
    private static string List(long? reader) => $"feed\n{reader}";

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, Cursors cursors) : IQueryHandler<Query, ArticlesEnvelope>
    {
        // Articles by the authors the caller follows (follows PK, then articles_author_created_idx). Feeds are
        // not cached: each is one reader's, so an entry would serve nobody else.
        private const string Followed = "NOT a.hidden AND a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = @Viewer)";
        private static readonly string Sql = Statement(afterCursor: false);
        private static readonly string SqlAfterCursor = Statement(afterCursor: true);

        // The followed authors' articles are scattered over the table: the page's ids are picked from the index
        // alone (migration 0013), then only those rows are read, not every followed author's article.
        // With `LIMIT @Limit` PostgreSQL never trusts a generic plan and plans the statement anew on each
        // execution (2 ms, more than running it); the generic plan is the same plan: forced, pgbench on the
        // page statement at M goes from 2,023 to 4,422 tps. The pool's reset undoes the setting on return.
        private static string Statement(bool afterCursor) => "SET plan_cache_mode = force_generic_plan;\n" + ArticleSql.PageOf(
            $"""
            SELECT {ArticleSql.PageColumns}
            FROM (SELECT a.id FROM articles a
                  WHERE {Followed}{(afterCursor ? $" AND {ArticleSql.AfterCursor}" : "")}
                  ORDER BY a.created_at DESC, a.id DESC
                  LIMIT @Limit OFFSET @Offset) AS page
            JOIN articles a ON a.id = page.id
            """,
            $"SELECT count(*) FROM articles a WHERE {Followed}");

        public async ValueTask<ArticlesEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var reader = user.RequiredId;
            CursorPosition? after = cursors.TryRead(query.Cursor, List(reader), out var position) ? position : null;
            var limit = query.Limit ?? PageRules.DefaultPageSize;
            var (envelope, next) = await ArticleSql.ReadPageAsync(
                db,
                after is null ? Sql : SqlAfterCursor,
                new { Viewer = reader, Limit = limit + 1, Offset = after is null ? query.Offset ?? 0 : 0, AfterTime = after?.Time, AfterId = after?.Id },
                limit,
                cancellationToken);
            return envelope with { NextCursor = next is { } last ? cursors.Issue(List(reader), last) : null };
        }
    }
}
