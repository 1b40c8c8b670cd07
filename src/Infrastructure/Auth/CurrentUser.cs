using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Conduit.Infrastructure.Auth;

internal sealed class CurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    public long? Id
    {
        get
        {
            var principal = accessor.HttpContext?.User;
            if (principal?.Identity?.IsAuthenticated != true)
            {
                return null;
            }

            var subject = principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
            return long.TryParse(subject, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
    }

    public Guid? SessionId
    {
        get
        {
            var principal = accessor.HttpContext?.User;
            return principal?.Identity?.IsAuthenticated == true && Guid.TryParse(principal.FindFirst(TokenIssuer.SessionClaim)?.Value, out var id) ? id : null;
        }
    }

    public string? Token
    {
        get
        {
            var context = accessor.HttpContext;
            if (context?.User.Identity?.IsAuthenticated != true)
            {
                return null;
            }

            // Authenticated, so the header holds exactly one token after its scheme (Token or Bearer).
            var header = context.Request.Headers.Authorization.ToString();
            var space = header.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? null : header[(space + 1)..].Trim();
        }
    }

    public bool PresentedInvalidToken
    {
        get
        {
            var context = accessor.HttpContext;
            return context is not null
                && context.Request.Headers.Authorization.Count > 0
                && context.User.Identity?.IsAuthenticated != true;
        }
    }
}
