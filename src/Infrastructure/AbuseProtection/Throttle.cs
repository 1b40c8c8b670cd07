using Conduit.Infrastructure.Errors;
using Dapper;
using Npgsql;

namespace Conduit.Infrastructure.AbuseProtection;

/// <summary>
/// Leaky buckets kept in PostgreSQL (table <c>throttle_buckets</c>, migration 0005), so that every instance sees the
/// same counts and a restart forgets nothing: <see cref="TakeAsync"/> admits an attempt against every bucket of a
/// <see cref="Take"/> or none (429 with a true <c>Retry-After</c>), optionally as a lease that the attempt's outcome
/// settles (<see cref="FailAsync"/> counts it, <see cref="ReleaseSql"/> returns it). What to count, per what key and
/// with which limits is the using feature's policy (sign-in throttling: src/Features/Users/SignInThrottling).
/// </summary>
public sealed class Throttle(NpgsqlDataSource db)
{
    private const string TakeSql = "SELECT throttle_take(@Keys, @Limits, @Rates, @Lease)";
    private const string FailSql = "SELECT throttle_fail(@Keys)";

    /// <summary>A success: the reset key's failures forgotten, the leases returned (parameters <c>@ThrottleKeys</c>, <c>@ThrottleReset</c>).</summary>
    public const string ReleaseSql = "SELECT throttle_release(@ThrottleKeys, @ThrottleReset)";

    /// <summary>Admits one attempt, or throws 429 with the time until the fullest bucket has room.</summary>
    public async Task TakeAsync(Take take, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var retryAfter = await connection.ExecuteScalarAsync<double>(new CommandDefinition(TakeSql, take, cancellationToken: cancellationToken));
        if (retryAfter > 0)
        {
            throw ApiException.TooManyRequests(TimeSpan.FromSeconds(retryAfter));
        }
    }

    /// <summary>A leased attempt failed: counted in every bucket, its lease returned.</summary>
    public async Task FailAsync(string[] keys, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(FailSql, new { Keys = keys }, cancellationToken: cancellationToken));
    }

    /// <summary>A leased attempt succeeded: <paramref name="resetKey"/> forgets its failures, the other buckets get their lease back.</summary>
    public async Task ReleaseAsync(string[] keys, string resetKey, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { ThrottleKeys = keys, ThrottleReset = resetKey }, cancellationToken: cancellationToken));
    }

    /// <param name="Keys">One bucket each, with its <paramref name="Limits"/> and refill <paramref name="Rates"/> (per second).</param>
    /// <param name="Lease">Seconds the attempt holds its place until settled; 0 counts the attempt itself.</param>
    public sealed record Take(string[] Keys, double[] Limits, double[] Rates, double Lease);
}
