using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Notifications;

namespace Conduit.Features.Users.Sessions;

public static class SessionsSetup
{
    /// <summary>Sessions: starting them, the token check's view of them (<see cref="ISessionCheck"/>), last-seen times and pruning.</summary>
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionsOptions>()
            .BindConfiguration(SessionsOptions.Section)
            .Validate(
                options => options.IsValid,
                "Sessions:RefreshIdleLifetime must be 00:01:00-3650.00:00:00, Sessions:RefreshAbsoluteLifetime at least that (at most 3650 days), "
                + "Sessions:RefreshReuseInterval 00:00:00-00:05:00 and Sessions:LastSeenFlushInterval 00:00:00.1-01:00:00")
            .ValidateOnStart();
        services.AddSingleton<SessionIssuer>();
        services.AddSingleton<SessionActivity>();
        services.AddSingleton<RevokedSessions>();
        services.AddSingleton<ISessionCheck>(provider => provider.GetRequiredService<RevokedSessions>());
        services.AddSingleton<IChannelListener>(provider => provider.GetRequiredService<RevokedSessions>());
        services.AddHostedService<SessionUpkeep>();
        return services;
    }
}
