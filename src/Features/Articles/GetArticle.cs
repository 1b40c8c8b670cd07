using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Mediator;

namespace Conduit.Features.Articles;

public static class GetArticle
{
    public sealed record Query(string Slug) : IQuery<ArticleEnvelope>;

    /// <summary>The article as anyone sees it: cached, shared by every viewer.</summary>
    public sealed record Public(string Slug) : IQuery<PublicArticle>, ICachedQuery
    {
        public string CacheKey => $"article:{Slug}";
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, ArticleEnvelope>
    {
        public async ValueTask<ArticleEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var shown = await sender.Send(new Public(query.Slug), cancellationToken);
            return user.Id is { } viewer ? await shown.ForViewerAsync(reads.Source, viewer, cancellationToken) : shown.Envelope;
        }
    }

    internal sealed class PublicHandler(ReadDatabase reads) : IQueryHandler<Public, PublicArticle>
    {
        public async ValueTask<PublicArticle> Handle(Public query, CancellationToken cancellationToken) =>
            await ArticleSql.ReadPublicOneAsync(reads.Source, query.Slug, cancellationToken);
    }
}
