using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Conduit.Infrastructure.Auth;

public static class AuthSetup
{
    private const int MinimumKeyBytes = 32;

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
            .Configure<IOptions<JwtOptions>>((bearer, jwt) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(jwt.Value.KeyBytes()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                bearer.Events = new JwtBearerEvents { OnMessageReceived = ReadContractScheme };
            });
        services.AddAuthorization();
        return services;
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
}
