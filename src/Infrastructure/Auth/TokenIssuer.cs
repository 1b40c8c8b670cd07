using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Conduit.Infrastructure.Auth;

/// <summary>
/// Issues the HS256 JWT that register, login and refresh return; it names its session (<c>sid</c>) and when that
/// session began (<c>auth_time</c>, OpenID Connect's name). Only a sign-in or a refresh issues one: no token expires
/// after its session could (the refresh token's idle lifetime from now, its absolute lifetime from the sign-in).
/// </summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, IOptions<SessionsOptions> sessions, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new();
    private readonly SigningCredentials credentials = new(new SymmetricSecurityKey(options.Value.KeyBytes()), SecurityAlgorithms.HmacSha256);

    /// <summary>The claim that carries the session id (OpenID Connect's registered name for it).</summary>
    public const string SessionClaim = "sid";

    /// <summary>The claim that carries when the session began, in seconds since the epoch.</summary>
    public const string SessionStartClaim = "auth_time";

    /// <param name="sessionStarted">When the session began; null for one that begins now (a sign-in).</param>
    public string Issue(long userId, Guid sessionId, DateTime? sessionStarted = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var started = sessionStarted ?? now;
        var expires = Min(now + Min(options.Value.Lifetime, sessions.Value.RefreshIdleLifetime), started + sessions.Value.RefreshAbsoluteLifetime);
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString(CultureInfo.InvariantCulture)),
                new Claim(SessionClaim, sessionId.ToString()),
                new Claim(SessionStartClaim, new DateTimeOffset(started, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            ]),
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            SigningCredentials = credentials,
        });
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
