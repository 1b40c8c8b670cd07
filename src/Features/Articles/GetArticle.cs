using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Auth;
using Mediator;

namespace Conduit.Features.Articles;

public static class GetArticle
{
    public sealed record Query(string Slug) : IQuery<ArticleEnvelope>;

    internal sealed class Handler(ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, ArticleEnvelope>
    {
        public async ValueTask<ArticleEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await reads.Source.OpenConnectionAsync(cancellationToken);
            return await ArticleSql.ReadOneAsync(connection, ArticleSql.BySlug, new { query.Slug, Viewer = user.Id }, cancellationToken);
        }
    }
}
