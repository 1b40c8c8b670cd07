using System.Security.Cryptography;
using System.Text;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Http;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Infrastructure.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header, Stripe's model) on every POST of the
/// API: the first request with a key runs; a retry with the same key, caller and body gets the first
/// answer again (marked <c>Idempotent-Replayed: true</c>), through any instance; the same key with another
/// body or on another endpoint is 422; a retry while the first still runs is 409. Only successful answers
/// are kept: after a failure the key is free again, so a corrected retry can run. No key: nothing changes.
/// A caller keeps at most <see cref="IdempotencyOptions.MaxKeysPerCaller"/> keys (429 beyond); routes whose
/// answer is a credential opt out of replay, or replay only while it is still good (see IdempotencySetup).
/// </summary>
internal sealed partial class IdempotencyMiddleware(
    RequestDelegate next,
    NpgsqlDataSource db,
    ICurrentUser user,
    ResponseSealer sealer,
    IOptions<IdempotencyOptions> options,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    // Advisory locks of this mechanism: (LockSpace, hashtext(scope)) serialises one caller's claims (two-key locks
    // never meet the one-key locks of migrations and admin commands).
    private const int LockSpace = 0x1d3e_0001;

    // One round trip, two statements in Npgsql's implicit batch transaction: the caller's lock first, so the
    // count (a fresh snapshot, taken after the lock) sees every claim committed before it — two instances
    // cannot both take the last place. A known key (a retry, or a takeover of an abandoned one) needs no place.
    // The lock's void result is cast to text only so that Dapper can read (and skip) it.
    private const string ClaimSql = """
        SELECT pg_advisory_xact_lock(@LockSpace, hashtext(@Scope))::text;
        WITH kept AS (
            SELECT count(*) AS n, min(created_at) AS oldest FROM idempotency_keys
            WHERE scope = @Scope AND created_at > now() - @Retention
        ), claimed AS (
            INSERT INTO idempotency_keys (scope, key, endpoint, fingerprint)
            SELECT @Scope, @Key, @Endpoint, @Fingerprint FROM kept
            WHERE kept.n < @MaxKeysPerCaller OR EXISTS (SELECT 1 FROM idempotency_keys WHERE scope = @Scope AND key = @Key)
            ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
                WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - @Abandoned
                  AND idempotency_keys.endpoint = excluded.endpoint AND idempotency_keys.fingerprint = excluded.fingerprint
            RETURNING true
        )
        SELECT EXISTS (SELECT FROM claimed) AS claimed,
               CASE WHEN kept.n >= @MaxKeysPerCaller THEN extract(epoch FROM kept.oldest + @Retention - now())::float8 END AS full_for_seconds
        FROM kept
        """;

    private const string FindSql = "SELECT endpoint, fingerprint, status, content_type, location, body FROM idempotency_keys WHERE scope = @Scope AND key = @Key";
    private const string CompleteSql = "UPDATE idempotency_keys SET status = @Status, content_type = @ContentType, location = @Location, body = @Body WHERE scope = @Scope AND key = @Key";
    private const string ReleaseSql = "DELETE FROM idempotency_keys WHERE scope = @Scope AND key = @Key AND status IS NULL";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(Header, out var values)
            || context.GetEndpoint()?.Metadata.GetMetadata<IdempotencySetup.NotReplayed>() is not null)
        {
            await next(context);
            return;
        }

        var key = values.ToString();
        if (!IsValidKey(key))
        {
            throw ApiException.Invalid(ErrorEnvelope.Of("idempotencyKey", "must be 1-255 printable ASCII characters"));
        }

        var claim = new Claim(
            user.Id is { } id ? $"user:{id}" : $"address:{ClientAddress.KeyOf(context)}",
            key,
            $"POST {context.Request.Path}",
            await FingerprintAsync(context.Request));

        await using (var connection = await db.OpenConnectionAsync(context.RequestAborted))
        {
            var settings = options.Value;
            ClaimResult outcome;
            await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(
                ClaimSql,
                new { LockSpace, claim.Scope, claim.Key, claim.Endpoint, claim.Fingerprint, settings.Abandoned, settings.Retention, settings.MaxKeysPerCaller },
                cancellationToken: context.RequestAborted)))
            {
                await results.ReadAsync<string>();
                outcome = await results.ReadSingleAsync<ClaimResult>();
            }

            if (!outcome.Claimed)
            {
                var first = await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(FindSql, new { claim.Scope, claim.Key }, cancellationToken: context.RequestAborted));
                if (first is null && outcome.FullForSeconds is { } seconds)
                {
                    throw TooManyKept(TimeSpan.FromSeconds(seconds));
                }

                await AnswerRetryAsync(context, claim, first);
                return;
            }
        }

        await RunFirstAsync(context, claim);
    }

    private async Task RunFirstAsync(HttpContext context, Claim claim)
    {
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        var kept = false;
        try
        {
            await next(context);
            if (response.StatusCode is >= 200 and < 300)
            {
                await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
                await connection.ExecuteAsync(new CommandDefinition(CompleteSql, new
                {
                    claim.Scope,
                    claim.Key,
                    Status = response.StatusCode,
                    ContentType = response.ContentType,
                    Location = response.Headers.Location.Count > 0 ? response.Headers.Location.ToString() : null,
                    Body = sealer.Seal(buffer.ToArray()),
                }));
                kept = true;
            }
        }
        finally
        {
            response.Body = original;
            if (!kept)
            {
                await ReleaseAsync(claim);
            }
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private async Task AnswerRetryAsync(HttpContext context, Claim claim, Stored? first)
    {
        if (first is null)
        {
            // Released between our claim and our look (the first failed): the client may simply retry.
            throw InProgress();
        }

        if (first.Endpoint != claim.Endpoint)
        {
            throw ApiException.Invalid(ErrorEnvelope.Of("idempotencyKey", "was already used for another endpoint"));
        }

        if (!CryptographicOperations.FixedTimeEquals(first.Fingerprint, claim.Fingerprint))
        {
            throw ApiException.Invalid(ErrorEnvelope.Of("idempotencyKey", "was already used with a different request body"));
        }

        if (first.Status is not { } status)
        {
            throw InProgress();
        }

        var body = first.Body is { Length: > 0 } sealedBody ? sealer.Open(sealedBody) : [];
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotencySetup.ReplayCheck>() is { } check
            && !await check.Create(context.RequestServices).StillValidAsync(body, context.RequestAborted))
        {
            // The kept answer's credential is no longer good (an ended session, a suspended user): not replayed;
            // the request is answered as it would be without a key, and the kept answer stays as it is.
            await next(context);
            return;
        }

        var response = context.Response;
        response.StatusCode = status;
        response.Headers[ReplayedHeader] = "true";
        if (first.ContentType is not null)
        {
            response.ContentType = first.ContentType;
        }

        if (first.Location is not null)
        {
            response.Headers.Location = first.Location;
        }

        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private async Task ReleaseAsync(Claim claim)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { claim.Scope, claim.Key }));
        }
        catch (NpgsqlException failure)
        {
            // The key stays "running" until it is abandoned (Idempotency:Abandoned); a retry gets 409 until then.
            LogReleaseFailed(logger, failure.Message);
        }
    }

    private static ApiException InProgress() =>
        new(StatusCodes.Status409Conflict, ErrorEnvelope.Of("idempotencyKey", "is in use by a request still in progress; retry shortly"));

    private ApiException TooManyKept(TimeSpan untilOldestExpires) => ApiException.TooManyRequests(
        untilOldestExpires, "idempotencyKey", $"too many kept answers (at most {options.Value.MaxKeysPerCaller} a caller); retry without a key, or with a new one in {{0}} s");

    private static bool IsValidKey(string key) => key.Length is >= 1 and <= 255 && key.All(c => c is >= ' ' and <= '~');

    /// <summary>What the request asks, exactly: the endpoint and its body.</summary>
    private static async Task<byte[]> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"POST {request.Path}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release an idempotency key after a failed request: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, string reason);

    private sealed record Claim(string Scope, string Key, string Endpoint, byte[] Fingerprint);

    private sealed record ClaimResult(bool Claimed, double? FullForSeconds);

    private sealed record Stored(string Endpoint, byte[] Fingerprint, int? Status, string? ContentType, string? Location, byte[]? Body);
}
