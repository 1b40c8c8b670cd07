namespace Conduit.Infrastructure.Caching;

/// <summary>
/// A read whose answer is the same for every viewer (no <c>favorited</c>/<c>following</c> in it): kept by
/// <see cref="ReadCacheBehaviour{TMessage, TResponse}"/> under <see cref="CacheKey"/> until something it
/// depends on changes. Its response must be an <see cref="ICachedResult"/>.
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
