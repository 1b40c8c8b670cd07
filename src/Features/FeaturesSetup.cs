using Conduit.Features.Admin;
using Conduit.Features.Articles.SearchCounts;
using Conduit.Features.Live.Streams;
using Conduit.Features.Users.Sessions;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.Auth;

namespace Conduit.Features;

/// <summary>
/// What the feature areas run beside their slices (slices themselves are found by Mediator and Carter): each
/// area's support code registers here, in one line, and lives in the area's own folder.
/// </summary>
public static class FeaturesSetup
{
    public static IServiceCollection AddConduitFeatures(this IServiceCollection services, IConfiguration configuration) => services
        .AddSessions()
        .AddSignInThrottling(configuration)
        .AddLive()
        .AddHostedService<SearchCountFolding>()
        .AddSingleton<IRoleLookup, RoleLookup>();
}
