using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Http;

public sealed class CorsPolicyOptions
{
    public const string Section = "Cors";

    /// <summary>Origins (scheme://host[:port]) whose browser clients may call the API.</summary>
    public IList<string> AllowedOrigins { get; } = [];
}

public static class CorsSetup
{
    public static IServiceCollection AddConduitCors(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddOptions<CorsPolicyOptions>()
            .BindConfiguration(CorsPolicyOptions.Section)
            .Validate(
                options => options.AllowedOrigins.All(IsOrigin),
                "Cors:AllowedOrigins must hold origins like https://app.example.com (scheme, host and optional port; no path).")
            .ValidateOnStart();

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CorsPolicyOptions>>((cors, configured) =>
            {
                var allowed = new HashSet<string>(configured.Value.AllowedOrigins.Select(origin => origin.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
                cors.AddDefaultPolicy(policy => policy
                    .SetIsOriginAllowed(origin => allowed.Contains(origin) || (environment.IsDevelopment() && IsLoopback(origin)))
                    .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "Last-Event-ID")
                    // Without this, browser code sees none of them (CORS hides all but a few simple headers).
                    .WithExposedHeaders("Retry-After", "Location", "ETag", "WWW-Authenticate", "Idempotent-Replayed")
                    .WithMethods("GET", "POST", "PUT", "DELETE")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1)));
            });
        return services;
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);

    /// <summary>A developer's SPA dev server: http://localhost:* or http://127.0.0.1:*.</summary>
    private static bool IsLoopback(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.Host is "localhost" or "127.0.0.1";
}
