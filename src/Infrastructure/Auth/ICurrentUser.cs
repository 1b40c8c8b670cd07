using Conduit.Infrastructure.Errors;

namespace Conduit.Infrastructure.Auth;

/// <summary>Who is calling. Handlers use this, never HttpContext.</summary>
public interface ICurrentUser
{
    /// <summary>The caller's user id, or null when the request carries no valid token.</summary>
    long? Id { get; }

    /// <summary>The session the caller's token belongs to, or null when the request carries no valid token.</summary>
    Guid? SessionId { get; }

    /// <summary>The access token the caller authenticated with, or null when the request carries no valid token.</summary>
    string? Token { get; }

    /// <summary>True when an Authorization header was sent but did not authenticate.</summary>
    bool PresentedInvalidToken { get; }

    /// <summary>The id of a request that <see cref="IAuthenticated"/> already guarded.</summary>
    long RequiredId => Id ?? throw ApiException.Unauthorized("token", "is missing");

    /// <summary>The access token of a request that <see cref="IAuthenticated"/> already guarded.</summary>
    string RequiredToken => Token ?? throw ApiException.Unauthorized("token", "is missing");

    /// <summary>The session of a request that <see cref="IAuthenticated"/> already guarded.</summary>
    Guid RequiredSessionId => SessionId ?? throw ApiException.Unauthorized("token", "is missing");
}

/// <summary>Marks a request that only an authenticated user may send.</summary>
public interface IAuthenticated;
