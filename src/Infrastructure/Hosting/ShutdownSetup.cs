using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Hosting;

public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>How long SIGTERM waits for in-flight requests before the host stops anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public static class ShutdownSetup
{
    /// <summary>
    /// On SIGTERM Kestrel stops accepting connections and drains in-flight requests within the timeout;
    /// the container then disposes the NpgsqlDataSource, which closes the pool.
    /// </summary>
    public static IServiceCollection AddConduitShutdown(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        return services;
    }
}
