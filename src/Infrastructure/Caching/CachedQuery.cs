namespace Conduit.Infrastructure.Caching;

/// <summary>
/// A read whose answer is the same for every viewer (no <c>favorited</c>/<c>following</c> in it): kept by
/// <see cref="ReadCacheBehaviour{TMessage, TResponse}"/> under <see cref="CacheKey"/> until something it
/// depends on changes. Its response must be an <see cref="ICachedResult"/>.
/// <para>
/// The one pattern every cached read with a viewer-specific part follows (ListArticles, GetArticle, ListComments,
/// GetProfile; ListTags, the same for everyone, is itself the cached query): the
/// use case's own query (what the endpoint sends, with validation and authentication) has a handler that sends a
/// second, nested request — the shared part, marked <see cref="ICachedQuery"/> and defined in the same slice file —
/// through the mediator, so that this behaviour (and read routing) sit in front of that part alone; the outer handler
/// then lays the viewer's own flags over the shared answer with one small query. The nested request goes through the
/// whole pipeline again, which costs microseconds and keeps the cache a mechanism no handler calls by hand.
/// </para>
/// </summary>
public interface ICachedQuery
{
    /// <summary>Every parameter of the query, so that two queries with one key have one answer; null: not kept.</summary>
    string? CacheKey { get; }
}

/// <summary>A cacheable answer and the change tags (migration 0006) that make it stale.</summary>
public interface ICachedResult
{
    IEnumerable<string> DependsOn { get; }
}
