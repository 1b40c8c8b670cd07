namespace Conduit.Infrastructure.Caching;

public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>Off: every read goes to the database (to measure the uncached path, or to rule the cache out).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Memory the cached reads may take (their size as JSON); the least recently used go first.</summary>
    public int SizeLimitMegabytes { get; set; } = 64;

    /// <summary>Longest life of an entry: a safety net only, since a change makes the entries it touches stale at once.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    internal bool IsValid => SizeLimitMegabytes is >= 1 and <= 65_536
        && Lifetime >= TimeSpan.FromSeconds(1) && Lifetime <= TimeSpan.FromDays(1);
}
