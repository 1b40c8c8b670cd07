using System.Security.Cryptography;
using System.Text;
using Conduit.Infrastructure.AbuseProtection;
using Microsoft.Extensions.Options;

namespace Conduit.Features.Users.SignInThrottling;

/// <summary>
/// The sign-in policy over the shared buckets (<see cref="Throttle"/>), after Auth0's attack protection: failed
/// sign-ins per (account, address) and per address, sign-ups per address, with the limits of
/// <see cref="AbuseProtectionOptions"/>.
/// </summary>
public sealed class SignInThrottle(Throttle throttle, IOptions<AbuseProtectionOptions> options)
{
    private readonly AbuseProtectionOptions settings = options.Value;

    /// <summary>Admits a sign-in with a password as a lease (so concurrent guesses cannot all pass before the first failure counts).</summary>
    public async Task<LoginAttempt> BeginLoginAsync(string address, string account, CancellationToken cancellationToken)
    {
        var take = Failures(address, account, settings.LeaseTime.TotalSeconds);
        await throttle.TakeAsync(take, cancellationToken);
        return new LoginAttempt(take.Keys, take.Keys[0]);
    }

    public Task FailAsync(LoginAttempt attempt, CancellationToken cancellationToken) => throttle.FailAsync(attempt.Keys, cancellationToken);

    public Task SucceedAsync(LoginAttempt attempt, CancellationToken cancellationToken) => throttle.ReleaseAsync(attempt.Keys, attempt.ResetKey, cancellationToken);

    /// <summary>
    /// A failed sign-in that was not admitted first (<see cref="ICountsFailedLogins"/>): counted like a sign-up, or,
    /// when its buckets are already full, answered 429 instead of its 401.
    /// </summary>
    public Task CountFailureAsync(string address, string account, CancellationToken cancellationToken) =>
        throttle.TakeAsync(Failures(address, account, lease: 0), cancellationToken);

    public Task SignUpAsync(string address, CancellationToken cancellationToken)
    {
        var bucket = settings.SignUpsPerAddress;
        return throttle.TakeAsync(new Throttle.Take([$"signup:{address}"], [bucket.Limit], [bucket.PerSecond], 0), cancellationToken);
    }

    // The account is hashed: the table never holds an email address. The pair's key comes first (the reset key).
    private Throttle.Take Failures(string address, string account, double lease)
    {
        var pair = settings.FailedLoginsPerAccountAndAddress;
        var perAddress = settings.FailedLoginsPerAddress;
        var accountHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(account.Trim().ToLowerInvariant())))[..32];
        return new Throttle.Take([$"login:{address}:{accountHash}", $"login:{address}"], [pair.Limit, perAddress.Limit], [pair.PerSecond, perAddress.PerSecond], lease);
    }

    public sealed record LoginAttempt(string[] Keys, string ResetKey);
}
