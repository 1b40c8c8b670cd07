using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Npgsql;

namespace Conduit.Infrastructure.AbuseProtection;

public static partial class AbuseProtectionSetup
{
    public static IServiceCollection AddConduitAbuseProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AbuseProtectionOptions>()
            .BindConfiguration(AbuseProtectionOptions.Section)
            // The per-process fixed window this replaced: a setting for it must not be silently ignored.
            .Validate(
                _ => !configuration.GetSection("RateLimiting").GetChildren().Any(),
                "RateLimiting:* is no longer read; sign-in and sign-up limits are AbuseProtection:FailedLoginsPerAccountAndAddress, "
                + "AbuseProtection:FailedLoginsPerAddress and AbuseProtection:SignUpsPerAddress (each with Limit and RefillEvery)")
            .Validate(
                options => options.FailedLoginsPerAccountAndAddress.IsValid && options.FailedLoginsPerAddress.IsValid && options.SignUpsPerAddress.IsValid,
                "AbuseProtection:*:Limit must be 1-1000000 and AbuseProtection:*:RefillEvery between 00:00:00.001 and 30.00:00:00")
            .Validate(
                options => options.LeaseTime >= TimeSpan.FromSeconds(1) && options.LeaseTime <= TimeSpan.FromMinutes(5),
                "AbuseProtection:LeaseTime must be between 00:00:01 and 00:05:00")
            .ValidateOnStart();
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
