using Conduit.Infrastructure.Auth;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class ListFeed
{
    public sealed record Query(int? Limit, int? Offset) : IQuery<ArticlesEnvelope>, IAuthenticated;

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => ArticleRules.Paging(this, query => query.Limit, query => query.Offset);
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : IQueryHandler<Query, ArticlesEnvelope>
    {
        // Articles by the authors the caller follows (follows PK, then articles_author_created_idx).
        private static readonly string Sql = ArticleSql.Page("NOT a.hidden AND a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = @Viewer)");

        public async ValueTask<ArticlesEnvelope> Handle(Query query, CancellationToken cancellationToken) =>
            await ArticleSql.ReadPageAsync(
                db,
                Sql,
                new { Viewer = user.RequiredId, Limit = query.Limit ?? ArticleRules.DefaultPageSize, Offset = query.Offset ?? 0 },
                cancellationToken);
    }
}
