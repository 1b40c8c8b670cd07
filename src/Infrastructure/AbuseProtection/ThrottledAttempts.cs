namespace Conduit.Infrastructure.AbuseProtection;

/// <summary>
/// A sign-in with a password: <see cref="AbuseProtectionBehaviour{TMessage, TResponse}"/> admits it only while
/// the account at this address and the address itself have failures to spare, and counts it when it fails (401).
/// </summary>
public interface IThrottledLogin
{
    /// <summary>The account the password is for (the email as sent; compared case-insensitively).</summary>
    string? Account { get; }
}

/// <summary>A sign-up: counted against the client's address.</summary>
public interface IThrottledSignUp;
