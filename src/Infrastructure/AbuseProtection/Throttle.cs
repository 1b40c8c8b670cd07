using System.Security.Cryptography;
using System.Text;
using Conduit.Infrastructure.Errors;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Infrastructure.AbuseProtection;

/// <summary>
/// The buckets of <see cref="AbuseProtectionOptions"/>, kept in PostgreSQL (migration 0005) so that every
/// instance sees the same counts and a restart forgets nothing. One round trip to admit an attempt and one
/// to settle a login (count the failure, or forget the pair's failures and return the lease).
/// </summary>
public sealed class Throttle(NpgsqlDataSource db, IOptions<AbuseProtectionOptions> options)
{
    private const string TakeSql = "SELECT throttle_take(@Keys, @Limits, @Rates, @Lease)";
    private const string FailSql = "SELECT throttle_fail(@Keys)";
    /// <summary>A success: the pair's failures forgotten, the leases returned (parameters <c>@ThrottleKeys</c>, <c>@ThrottleReset</c>).</summary>
    public const string ReleaseSql = "SELECT throttle_release(@ThrottleKeys, @ThrottleReset)";

    private readonly AbuseProtectionOptions settings = options.Value;

    public async Task<LoginAttempt> BeginLoginAsync(string address, string account, CancellationToken cancellationToken)
    {
        var (accountKey, addressKey) = LoginKeys(address, account);
        var pair = settings.FailedLoginsPerAccountAndAddress;
        var perAddress = settings.FailedLoginsPerAddress;
        await TakeAsync(new Take([accountKey, addressKey], [pair.Limit, perAddress.Limit], [pair.PerSecond, perAddress.PerSecond], settings.LeaseTime.TotalSeconds), cancellationToken);
        return new LoginAttempt([accountKey, addressKey], accountKey);
    }

    /// <summary>
    /// A failed sign-in that was not admitted first (<see cref="ICountsFailedLogins"/>): counted like a sign-up, or,
    /// when its buckets are already full, answered 429 instead of its 401.
    /// </summary>
    public async Task CountFailureAsync(string address, string account, CancellationToken cancellationToken)
    {
        var (accountKey, addressKey) = LoginKeys(address, account);
        var pair = settings.FailedLoginsPerAccountAndAddress;
        var perAddress = settings.FailedLoginsPerAddress;
        await TakeAsync(new Take([accountKey, addressKey], [pair.Limit, perAddress.Limit], [pair.PerSecond, perAddress.PerSecond], 0), cancellationToken);
    }

    // The account is hashed: the table never holds an email address.
    private static (string Account, string Address) LoginKeys(string address, string account) =>
        ($"login:{address}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(account.Trim().ToLowerInvariant())))[..32]}", $"login:{address}");

    public async Task FailAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(FailSql, new { attempt.Keys }, cancellationToken: cancellationToken));
    }

    public async Task SucceedAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { ThrottleKeys = attempt.Keys, ThrottleReset = attempt.ResetKey }, cancellationToken: cancellationToken));
    }

    public async Task SignUpAsync(string address, CancellationToken cancellationToken)
    {
        var bucket = settings.SignUpsPerAddress;
        await TakeAsync(new Take([$"signup:{address}"], [bucket.Limit], [bucket.PerSecond], 0), cancellationToken);
    }

    private async Task TakeAsync(Take take, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var retryAfter = await connection.ExecuteScalarAsync<double>(new CommandDefinition(TakeSql, take, cancellationToken: cancellationToken));
        if (retryAfter > 0)
        {
            throw ApiException.TooManyRequests(TimeSpan.FromSeconds(retryAfter));
        }
    }

    private sealed record Take(string[] Keys, double[] Limits, double[] Rates, double Lease);

    public sealed record LoginAttempt(string[] Keys, string ResetKey);
}
