using System.Text.Json.Serialization;
using Conduit.Features.Shared;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Paging;
using Dapper;
using Npgsql;

namespace Conduit.Features.Articles;

public sealed record ArticleEnvelope(Article Article)
{
    /// <summary>
    /// Sent as the <c>ETag</c> of <c>GET /api/articles/{slug}</c>: made of the article's and its author's
    /// versions (migration 0006) and the viewer's flags, not of the bytes of one rendering.
    /// </summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

public sealed record Article(
    string Slug, string Title, string Description, string Body, IReadOnlyList<string> TagList,
    DateTime CreatedAt, DateTime UpdatedAt, bool Favorited, int FavoritesCount, Profile Author);

/// <summary>A list item: the contract leaves the body out of lists.</summary>
public sealed record ArticleSummary(
    string Slug, string Title, string Description, IReadOnlyList<string> TagList,
    DateTime CreatedAt, DateTime UpdatedAt, bool Favorited, int FavoritesCount, Profile Author);

/// <param name="NextCursor">Where the next page starts (<c>?cursor=</c>); null on the last page.</param>
public sealed record ArticlesEnvelope(IReadOnlyList<ArticleSummary> Articles, long ArticlesCount, string? NextCursor = null);

/// <summary>An article as anyone sees it, with the ids its viewer's flags and its cache entry depend on.</summary>
public sealed record PublicArticle(long Id, long AuthorId, ArticleEnvelope Envelope) : ICachedResult
{
    IEnumerable<string> ICachedResult.DependsOn => [CacheTags.Article(Id), CacheTags.Profile(AuthorId)];

    /// <summary>The viewer's view: their favorite and follow laid over the shared answer (and in the ETag).</summary>
    internal async Task<ArticleEnvelope> ForViewerAsync(NpgsqlDataSource db, long viewer, CancellationToken cancellationToken)
    {
        var (favorites, follows) = await ArticleSql.ViewerFlagsAsync(db, viewer, [Id], [AuthorId], cancellationToken);
        var (favorited, following) = (favorites.Count > 0, follows.Count > 0);
        var article = Envelope.Article;
        return new ArticleEnvelope(article with { Favorited = favorited, Author = article.Author with { Following = following } })
        {
            ETag = $"{Envelope.ETag![..^1]}.{(favorited ? 1 : 0)}{(following ? 1 : 0)}\"",
        };
    }
}
