namespace Conduit.Infrastructure.Notifications;

public static class NotificationsSetup
{
    /// <summary>LISTEN/NOTIFY on the primary for every registered <see cref="IChannelListener"/>.</summary>
    public static IServiceCollection AddConduitNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => new NotificationConnection(configuration.GetConnectionString("Database") ?? ""));
        services.AddHostedService<PostgresNotifications>();
        return services;
    }
}
