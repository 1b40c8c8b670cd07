using Dapper;
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

    private sealed partial class ExpiredKeyPruning(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<IdempotencyOptions> options, ILogger<ExpiredKeyPruning> logger) : BackgroundService
    {
        private const string Sql = "DELETE FROM idempotency_keys WHERE created_at < now() - @Retention";

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var connection = await db.OpenConnectionAsync(stoppingToken);
                    await connection.ExecuteAsync(new CommandDefinition(Sql, new { options.Value.Retention }, cancellationToken: stoppingToken));
                }
                catch (NpgsqlException failure)
                {
                    LogPruneFailed(logger, failure.Message);
                }
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning expired idempotency keys failed: {Reason}")]
        private static partial void LogPruneFailed(ILogger logger, string reason);
    }
}
