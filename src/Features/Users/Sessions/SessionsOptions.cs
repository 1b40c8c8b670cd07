namespace Conduit.Features.Users.Sessions;

/// <summary>
/// Refresh-token lifetimes, after Auth0's defaults (30 days idle, 365 days absolute) and RFC 9700's
/// rotation with replay detection; the reuse interval is Auth0's "reuse interval" / Okta's "grace period".
/// </summary>
public sealed class SessionsOptions
{
    public const string Section = "Sessions";

    /// <summary>A refresh token not used for this long has expired (each refresh starts the count again).</summary>
    public TimeSpan RefreshIdleLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>No refresh succeeds this long after the session's sign-in, however active it is.</summary>
    public TimeSpan RefreshAbsoluteLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// How long after a rotation the previous refresh token still returns the same successor (two tabs
    /// refreshing at once); presented later, it ends the session.
    /// </summary>
    public TimeSpan RefreshReuseInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each instance writes the last-seen times it has collected (one statement).</summary>
    public TimeSpan LastSeenFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal bool IsValid =>
        RefreshIdleLifetime >= TimeSpan.FromMinutes(1) && RefreshIdleLifetime <= TimeSpan.FromDays(3650)
        && RefreshAbsoluteLifetime >= RefreshIdleLifetime && RefreshAbsoluteLifetime <= TimeSpan.FromDays(3650)
        && RefreshReuseInterval >= TimeSpan.Zero && RefreshReuseInterval <= TimeSpan.FromMinutes(5)
        && LastSeenFlushInterval >= TimeSpan.FromMilliseconds(100) && LastSeenFlushInterval <= TimeSpan.FromHours(1);
}
