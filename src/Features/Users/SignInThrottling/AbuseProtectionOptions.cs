namespace Conduit.Features.Users.SignInThrottling;

/// <summary>
/// Limits modelled on Auth0's attack protection (brute-force protection per account and address,
/// suspicious-IP throttling per address), as leaky buckets: <see cref="Bucket.Limit"/> attempts at once,
/// one more every <see cref="Bucket.RefillEvery"/>. Only failures count against logins; sign-ups all count.
/// </summary>
public sealed class AbuseProtectionOptions
{
    public const string Section = "AbuseProtection";

    /// <summary>Wrong passwords for one account from one address (Auth0: 10); a correct one resets it.</summary>
    public Bucket FailedLoginsPerAccountAndAddress { get; set; } = new() { Limit = 10, RefillEvery = TimeSpan.FromMinutes(6) };

    /// <summary>Wrong passwords from one address over all accounts (Auth0: 100 a day, refilled gradually).</summary>
    public Bucket FailedLoginsPerAddress { get; set; } = new() { Limit = 100, RefillEvery = TimeSpan.FromSeconds(864) };

    /// <summary>
    /// Sign-ups from one address (Auth0's bucket of 50). Refilled faster than Auth0's 50 a day: a school or
    /// a carrier's NAT shares one address, and a real SPA's end-to-end run signs up ~100 users in minutes.
    /// </summary>
    public Bucket SignUpsPerAddress { get; set; } = new() { Limit = 50, RefillEvery = TimeSpan.FromSeconds(5) };

    /// <summary>How long a login in progress holds its place in the buckets unless settled earlier.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    public sealed class Bucket
    {
        public int Limit { get; set; }

        public TimeSpan RefillEvery { get; set; }

        internal double PerSecond => 1 / RefillEvery.TotalSeconds;

        internal bool IsValid => Limit is >= 1 and <= 1_000_000 && RefillEvery >= TimeSpan.FromMilliseconds(1) && RefillEvery <= TimeSpan.FromDays(30);
    }
}
