using System.Collections.Concurrent;
using System.Text.Json;
using Conduit.Infrastructure.Database;
using Mediator;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Caching;

/// <summary>
/// Serves an <see cref="ICachedQuery"/> from this instance's memory while <see cref="ContentChanges"/> says
/// nothing it depends on has changed — and only once this instance has applied every change numbered before
/// the request arrived (<see cref="WritePosition"/>), so that a client's next read shows its own write, on any
/// instance. With the notification stream down, every query goes to the database.
/// </summary>
public sealed class ReadCacheBehaviour<TMessage, TResponse>(
    IMemoryCache cache,
    ContentChanges changes,
    CacheFills fills,
    WritePosition position,
    IOptions<CacheOptions> options,
    IOptions<JsonOptions> json) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    // How long a read waits for the notification stream to catch up before it goes to the database.
    private static readonly TimeSpan CatchUpPatience = TimeSpan.FromMilliseconds(10);

    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is ICachedQuery { CacheKey: { } key } && changes.Listening && options.Value.Enabled
            ? ReadThroughAsync(key, message, next, cancellationToken)
            : next(message, cancellationToken);

    private async ValueTask<TResponse> ReadThroughAsync(string key, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var arrived = fills.Now;
        var required = (await position.OfThisRequestAsync().WaitAsync(cancellationToken)).Change;
        var caughtUp = await changes.WaitForAsync(required, CatchUpPatience, cancellationToken);

        // Not caught up: memory may not show a write this client saw acknowledged, so read the database —
        // and keep what it says, which is stale the moment a pending change is applied.
        if (caughtUp && cache.TryGetValue(key, out Entry? entry) && changes.IsFresh(entry!.FilledAt, entry.Slots))
        {
            CacheMetrics.Hit();
            return (TResponse)entry.Result;
        }

        // A read of the same entry already under way serves this request too if it began after this request
        // arrived, or once every change this request must see had been applied (either way its snapshot
        // holds them): a burst of misses after a write costs one query, not one per reader.
        CacheMetrics.Miss();
        var fill = fills.Join(key, arrived, required, () => FillAsync(key, message, next));
        return (TResponse)(await fill.WaitAsync(cancellationToken))!;
    }

    // Not cancelled by one caller's abort: others may be waiting on the same read.
    private async Task<object?> FillAsync(string key, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next)
    {
        // Before the database is read: a change applied from here on makes what is filled below stale. Every
        // change applied before it must be in what is read, which only the primary is sure to hold (a replica
        // that has replayed past the request's arrival may still lack a change committed since).
        var filledAt = changes.Sequence;
        ReadDatabase.ToPrimary();
        var response = await next(message, CancellationToken.None);
        if (response is ICachedResult result)
        {
            var settings = options.Value;
            using var created = cache.CreateEntry(key);
            created.Value = new Entry(result, filledAt, ContentChanges.SlotsOf(result.DependsOn));
            created.Size = JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions).Length + key.Length;
            created.AbsoluteExpirationRelativeToNow = settings.Lifetime;
        }

        return response;
    }

    private sealed record Entry(ICachedResult Result, long FilledAt, int[] Slots);
}

/// <summary>The cache fills in flight on this instance, each with the database changes its read is sure to hold.</summary>
public sealed class CacheFills(ContentChanges changes, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (Task<object?> Read, long Started, long Holds)> inFlight = new();

    public long Now => time.GetTimestamp();

    /// <summary>
    /// The fill of <paramref name="key"/> under way if it started after <paramref name="arrived"/> or holds
    /// <paramref name="required"/>, else a new one.
    /// </summary>
    public Task<object?> Join(string key, long arrived, long required, Func<Task<object?>> start)
    {
        if (inFlight.TryGetValue(key, out var running) && !running.Read.IsCompleted
            && (running.Started >= arrived || running.Holds >= required))
        {
            return running.Read;
        }

        // Every change applied here had committed before its notification came, so before this read starts.
        var started = time.GetTimestamp();
        var holds = changes.Applied;
        var read = start();
        var mine = (read, started, holds);
        inFlight[key] = mine;
        _ = read.ContinueWith(_ => inFlight.TryRemove(new KeyValuePair<string, (Task<object?>, long, long)>(key, mine)), TaskScheduler.Default);
        return read;
    }
}
