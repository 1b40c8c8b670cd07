using Conduit.Infrastructure.Notifications;
using Conduit.Infrastructure.Database;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Live.Streams;

public static class LiveSetup
{
    /// <summary>Live updates: the outbox reader of this instance, its streams, stream tickets and pruning (migration 0009).</summary>
    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.AddOptions<LiveOptions>()
            .BindConfiguration(LiveOptions.Section)
            .Validate(
                options => options.IsValid,
                "Live:Heartbeat must be 00:00:00.1-00:10:00, Live:Retention 00:01:00-30.00:00:00, Live:TicketLifetime 00:00:01-00:10:00, "
                + "Live:QueueLength 1-100000, Live:MaxStreamsPerUser 1-10000, Live:MaxStreamsPerAddress 1-100000 and Live:ReconnectDelay 00:00:00.1-00:05:00")
            .ValidateOnStart();
        services.AddSingleton<LiveHub>();
        services.AddSingleton<IChannelListener>(provider => provider.GetRequiredService<LiveHub>());
        services.AddHostedService(provider => provider.GetRequiredService<LiveHub>());
        services.AddSingleton<IChannelListener, LiveSessionWatch>();
        services.AddSingleton<StreamTickets>();
        services.AddHostedService<LivePruning>();
        return services;
    }
}

/// <summary>Deletes events older than <see cref="LiveOptions.Retention"/> and spent-by-time tickets; any instance may, at any time.</summary>
internal sealed class LivePruning(NpgsqlDataSource db, IOptions<LiveOptions> options, ILogger<LivePruning> logger) : PeriodicUpkeep(db, logger)
{
    protected override string Work => "pruning live events";

    // The horizon moves with the deletion, in one statement: a Last-Event-ID below it gets a reset.
    protected override string Sql => """
        WITH gone AS (DELETE FROM live_events WHERE created_at < now() - @Retention RETURNING id)
        UPDATE live_horizon SET pruned_through = greatest(pruned_through, (SELECT max(id) FROM gone))
        WHERE EXISTS (SELECT 1 FROM gone);
        DELETE FROM live_tickets WHERE expires_at < now();
        """;

    protected override TimeSpan Every => TimeSpan.FromMinutes(10);

    protected override object Arguments => new { options.Value.Retention };
}
