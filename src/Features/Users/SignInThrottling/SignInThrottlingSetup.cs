namespace Conduit.Features.Users.SignInThrottling;

public static class SignInThrottlingSetup
{
    /// <summary>The sign-in policy (<c>AbuseProtection:*</c>) over the shared buckets of <c>AddConduitAbuseProtection</c>.</summary>
    public static IServiceCollection AddSignInThrottling(this IServiceCollection services, IConfiguration configuration)
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
        services.AddSingleton<SignInThrottle>();
        return services;
    }
}
