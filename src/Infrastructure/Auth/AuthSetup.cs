using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using System.Runtime.ExceptionServices;
using Conduit.Infrastructure.Notifications;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Conduit.Infrastructure.Auth;

public static class AuthSetup
{
    private const int MinimumKeyBytes = 32;
    private const string InvalidTokenChallenge = "Token error=\"invalid_token\"";
    private static readonly TimeSpan TokenSkew = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddConduitAuth(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure(options =>
            {
                // A developer's first run works without a key; tokens then die with the process.
                if (environment.IsDevelopment() && string.IsNullOrEmpty(options.SigningKey))
                {
                    options.SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
                }
            })
            .Validate(
                options => options.KeyBytes().Length >= MinimumKeyBytes,
                $"Jwt:SigningKey must be set to at least {MinimumKeyBytes} bytes (environment variable Jwt__SigningKey).")
            .ValidateOnStart();

        services.AddOptions<SessionsOptions>()
            .BindConfiguration(SessionsOptions.Section)
            .Validate(
                options => options.IsValid,
                "Sessions:RefreshIdleLifetime must be 00:01:00-3650.00:00:00, Sessions:RefreshAbsoluteLifetime at least that (at most 3650 days), "
                + "Sessions:RefreshReuseInterval 00:00:00-00:05:00 and Sessions:LastSeenFlushInterval 00:00:00.1-01:00:00")
            .ValidateOnStart();

        services.AddHttpContextAccessor();
        services.AddSingleton<ICurrentUser, CurrentUser>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<SessionActivity>();
        services.AddSingleton<RevokedSessions>();
        services.AddSingleton<IChannelListener>(provider => provider.GetRequiredService<RevokedSessions>());
        services.AddHostedService<SessionUpkeep>();
        services.AddSingleton(typeof(IPasswordHasher<>), typeof(PasswordHasher<>));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, IOptions<SessionsOptions>, RevokedSessions, SessionActivity, TimeProvider>((bearer, jwt, sessions, revoked, activity, time) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(jwt.Value.KeyBytes()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TokenSkew,
                };
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadContractScheme,
                    OnTokenValidated = context => CheckSessionAsync(context, jwt.Value, sessions.Value, revoked, activity, time),
                };
            });
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// After the signature and lifetime: the token must name a session that has not ended. A token older than
    /// the configured lifetimes (<c>Jwt:Lifetime</c>, the refresh token's idle lifetime since it was issued, the
    /// absolute lifetime since its session began) is refused even if it says otherwise, so shortening one takes
    /// effect at once and pruning an ended session can never let its tokens back in.
    /// </summary>
    private static async Task CheckSessionAsync(
        TokenValidatedContext context, JwtOptions jwt, SessionsOptions sessions, RevokedSessions revoked, SessionActivity activity, TimeProvider time)
    {
        if (!Guid.TryParse(context.Principal?.FindFirst(TokenIssuer.SessionClaim)?.Value, out var sessionId))
        {
            context.Fail("The token names no session.");
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (context.SecurityToken is not JsonWebToken token
            || token.IssuedAt + jwt.Lifetime + TokenSkew < now
            || token.IssuedAt + sessions.RefreshIdleLifetime + TokenSkew < now
            // Tokens issued before auth_time existed carry none; the two checks above bound them.
            || token.TryGetPayloadValue<long>(TokenIssuer.SessionStartClaim, out var started)
               && DateTime.UnixEpoch.AddSeconds(started) + sessions.RefreshAbsoluteLifetime + TokenSkew < now)
        {
            context.Fail("The token is older than its configured lifetime.");
            return;
        }

        bool ended;
        try
        {
            ended = await revoked.IsRevokedAsync(sessionId, context.HttpContext.RequestAborted);
        }
        catch (NpgsqlException unavailable)
        {
            // Neither the stream nor the database: nobody is let in, and the request answers 503 (not 401, which
            // would tell the client to sign in again) with the outage's one short log line, not the handler's stack trace.
            context.HttpContext.Features.Set(new UncheckedSession(ExceptionDispatchInfo.Capture(unavailable)));
            context.Fail("The session could not be checked.");
            return;
        }

        if (ended)
        {
            context.Fail("The session has ended.");
            return;
        }

        activity.Seen(sessionId);
    }

    /// <summary>
    /// Where a token is optional an invalid one is answered as anonymous; this header (exposed to browsers by
    /// CORS) tells the client its token was not accepted (RFC 6750's error code, in the contract's scheme).
    /// </summary>
    public static IApplicationBuilder UseConduitAuthentication(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        return app.Use((context, next) =>
        {
            context.Features.Get<UncheckedSession>()?.Failure.Throw();

            if (context.Request.Headers.Authorization.Count > 0 && context.User.Identity?.IsAuthenticated != true)
            {
                // When the response starts: the error middleware clears headers set before it.
                context.Response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.WWWAuthenticate = InvalidTokenChallenge;
                    return Task.CompletedTask;
                }, context.Response);
            }

            return next(context);
        });
    }

    /// <summary>The contract sends <c>Authorization: Token &lt;jwt&gt;</c>; <c>Bearer</c> is read by the handler itself.</summary>
    private static Task ReadContractScheme(MessageReceivedContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Token ", StringComparison.OrdinalIgnoreCase))
        {
            context.Token = header["Token ".Length..].Trim();
        }

        return Task.CompletedTask;
    }

    private sealed record UncheckedSession(ExceptionDispatchInfo Failure);
}
