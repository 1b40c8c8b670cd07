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
    WritePosition position,
    IOptions<CacheOptions> options,
    IOptions<JsonOptions> json) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is ICachedQuery { CacheKey: { } key } && changes.Listening && options.Value.Enabled
            ? ReadThroughAsync(key, message, next, cancellationToken)
            : next(message, cancellationToken);

    private async ValueTask<TResponse> ReadThroughAsync(string key, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        // Before the position is read: a change applied from here on makes what is filled below stale.
        var filledAt = changes.Sequence;
        var caughtUp = changes.HasApplied((await position.OfThisRequestAsync().WaitAsync(cancellationToken)).Change);

        // Not caught up: memory may not show a write this client saw acknowledged, so read the database —
        // and keep what it says, which is stale the moment a pending change is applied.
        if (caughtUp && cache.TryGetValue(key, out Entry? entry) && changes.IsFresh(entry!.FilledAt, entry.Slots))
        {
            CacheMetrics.Hit();
            return (TResponse)entry.Result;
        }

        CacheMetrics.Miss();
        var response = await next(message, cancellationToken);
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
