using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Npgsql;

namespace Conduit.Infrastructure.AbuseProtection;

public static class AbuseProtectionSetup
{
    /// <summary>The shared buckets and their pruning; the policies that use them register their own options.</summary>
    public static IServiceCollection AddConduitAbuseProtection(this IServiceCollection services)
    {
        services.AddSingleton<Throttle>();
        services.AddHostedService<DrainedBucketPruning>();
        return services;
    }

    /// <summary>OpenAPI: the route answers 429 when its request is throttled.</summary>
    public static RouteHandlerBuilder WithAbuseProtection(this RouteHandlerBuilder builder) =>
        builder.Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);

    /// <summary>Buckets that have leaked empty are the same as no bucket: deleted now and then, by any instance.</summary>
    private sealed class DrainedBucketPruning(NpgsqlDataSource db, ILogger<DrainedBucketPruning> logger) : PeriodicUpkeep(db, logger)
    {
        protected override string Work => "pruning drained throttle buckets";

        protected override string Sql => """
            DELETE FROM throttle_buckets
            WHERE level - extract(epoch FROM now() - updated_at) * rate <= 0 AND lease_until < now()
            """;

        protected override TimeSpan Every => TimeSpan.FromMinutes(10);
    }
}
