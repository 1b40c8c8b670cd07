namespace Conduit.Features.Users.SignInThrottling;

/// <summary>
/// A sign-in with a password: <see cref="AbuseProtectionBehaviour{TMessage, TResponse}"/> admits it only while
/// the account at this address and the address itself have failures to spare, and counts it when it fails (401).
/// </summary>
public interface IThrottledLogin
{
    /// <summary>The account the password is for (the email as sent; compared case-insensitively).</summary>
    string? Account { get; }
}

/// <summary>
/// A sign-in with a token (a refresh): its failures (401) count like wrong passwords (once the buckets are full, a
/// failure is answered 429), but it is never refused beforehand, so a valid token always succeeds. There is nothing slow to shield (one indexed lookup of a 256-bit secret, which nobody can guess),
/// and refusing a valid token whose client obeys <c>Retry-After</c> would make it present a spent token later,
/// which ends the session.
/// </summary>
public interface ICountsFailedLogins
{
    /// <summary>What the token is for (compared as <see cref="IThrottledLogin.Account"/> is).</summary>
    string? Account { get; }
}

/// <summary>A sign-up: counted against the client's address.</summary>
public interface IThrottledSignUp;
