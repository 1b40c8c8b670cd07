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
    /// <summary>The clock skew every token check allows: on expiry, and on the lifetimes sessions impose.</summary>
    public static readonly TimeSpan TokenSkew = TimeSpan.FromSeconds(30);

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

        services.AddHttpContextAccessor();
        services.AddSingleton<ICurrentUser, CurrentUser>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton(typeof(IPasswordHasher<>), typeof(PasswordHasher<>));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, ISessionCheck, TimeProvider>((bearer, jwt, sessions, time) =>
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
                    OnTokenValidated = context => CheckSessionAsync(context, jwt.Value.Lifetime, sessions, time),
                };
            });
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// After the signature and lifetime: the token must name a session that accepts it (not ended, within the
    /// session's lifetimes). A token older than <c>Jwt:Lifetime</c> is refused even if it says otherwise, so
    /// shortening it takes effect at once and pruning an ended session can never let its tokens back in.
    /// </summary>
    private static async Task CheckSessionAsync(TokenValidatedContext context, TimeSpan lifetime, ISessionCheck sessions, TimeProvider time)
    {
        if (!Guid.TryParse(context.Principal?.FindFirst(TokenIssuer.SessionClaim)?.Value, out var sessionId))
        {
            context.Fail("The token names no session.");
            return;
        }

        if (context.SecurityToken is not JsonWebToken token || token.IssuedAt + lifetime + TokenSkew < time.GetUtcNow().UtcDateTime)
        {
            context.Fail("The token is older than Jwt:Lifetime.");
            return;
        }

        // Tokens issued before auth_time existed carry none.
        DateTime? started = token.TryGetPayloadValue<long>(TokenIssuer.SessionStartClaim, out var seconds) ? DateTime.UnixEpoch.AddSeconds(seconds) : null;
        bool accepted;
        try
        {
            accepted = await sessions.AcceptsAsync(sessionId, token.IssuedAt, started, context.HttpContext.RequestAborted);
        }
        catch (NpgsqlException unavailable)
        {
            // Neither the stream nor the database: nobody is let in, and the request answers 503 (not 401, which
            // would tell the client to sign in again) with the outage's one short log line, not the handler's stack trace.
            context.HttpContext.Features.Set(new UncheckedSession(ExceptionDispatchInfo.Capture(unavailable)));
            context.Fail("The session could not be checked.");
            return;
        }

        if (!accepted)
        {
            context.Fail("The session has ended, or the token is past its lifetimes.");
        }
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
