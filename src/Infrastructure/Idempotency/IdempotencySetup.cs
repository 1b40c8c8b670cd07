using Conduit.Infrastructure.Database;
using Npgsql;

namespace Conduit.Infrastructure.Idempotency;

public static partial class IdempotencySetup
{
    public static IServiceCollection AddConduitIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .Validate(options => options.IsValid, "Idempotency:Retention must be 01:00:00-30.00:00:00 and Idempotency:Abandoned 00:00:10-01:00:00")
            .ValidateOnStart();
        services.AddSingleton<ResponseSealer>();
        services.AddHostedService<ExpiredKeyPruning>();
        return services;
    }

    /// <summary>After authentication (a key belongs to its user) and the body limit, before the endpoints.</summary>
    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();

    private sealed class ExpiredKeyPruning(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<IdempotencyOptions> options, ILogger<ExpiredKeyPruning> logger)
        : PeriodicUpkeep(db, logger)
    {
        protected override string Work => "pruning expired idempotency keys";

        protected override string Sql => "DELETE FROM idempotency_keys WHERE created_at < now() - @Retention";

        protected override TimeSpan Every => TimeSpan.FromMinutes(10);

        protected override object Arguments => new { options.Value.Retention };
    }
}
