using Conduit.Infrastructure.Notifications;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Caching;

public static class CacheSetup
{
    public static IServiceCollection AddConduitCache(this IServiceCollection services)
    {
        services.AddOptions<CacheOptions>()
            .BindConfiguration(CacheOptions.Section)
            .Validate(options => options.IsValid,
                "Cache:SizeLimitMegabytes must be 1-65536 and Cache:Lifetime 00:00:01-1.00:00:00")
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddOptions<MemoryCacheOptions>().Configure<IOptions<CacheOptions>>((memory, cache) =>
        {
            memory.SizeLimit = cache.Value.SizeLimitMegabytes * 1024L * 1024;
            memory.CompactionPercentage = 0.2;
        });
        services.AddSingleton<ContentChanges>();
        services.AddSingleton<CacheFills>();
        services.AddSingleton<IChannelListener>(provider => provider.GetRequiredService<ContentChanges>());
        return services;
    }
}
