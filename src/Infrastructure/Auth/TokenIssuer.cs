using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Conduit.Infrastructure.Auth;

/// <summary>Issues the HS256 JWT that register, login, refresh and the user endpoints return; it names its session (<c>sid</c>).</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new();
    private readonly SigningCredentials credentials = new(new SymmetricSecurityKey(options.Value.KeyBytes()), SecurityAlgorithms.HmacSha256);

    /// <summary>The claim that carries the session id (OpenID Connect's registered name for it).</summary>
    public const string SessionClaim = "sid";

    public string Issue(long userId, Guid sessionId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString(CultureInfo.InvariantCulture)),
                new Claim(SessionClaim, sessionId.ToString()),
            ]),
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.Value.Lifetime,
            SigningCredentials = credentials,
        });
    }
}
