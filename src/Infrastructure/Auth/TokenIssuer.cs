using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Conduit.Infrastructure.Auth;

/// <summary>
/// Issues the HS256 JWT that register, login and refresh return; it names its session (<c>sid</c>) and when that
/// session began (<c>auth_time</c>, OpenID Connect's name), and expires at <c>Jwt:Lifetime</c> or when the session
/// says it must, whichever comes first.
/// </summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new();
    private readonly SigningCredentials credentials = new(new SymmetricSecurityKey(options.Value.KeyBytes()), SecurityAlgorithms.HmacSha256);

    /// <summary>The claim that carries the session id (OpenID Connect's registered name for it).</summary>
    public const string SessionClaim = "sid";

    /// <summary>The claim that carries when the session began, in seconds since the epoch.</summary>
    public const string SessionStartClaim = "auth_time";

    /// <param name="sessionStarted">When the session began.</param>
    /// <param name="sessionEnds">The latest the session can still be used without a refresh.</param>
    public string Issue(long userId, Guid sessionId, DateTime sessionStarted, DateTime sessionEnds)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var started = sessionStarted;
        var expires = Min(now + options.Value.Lifetime, sessionEnds);
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
}
