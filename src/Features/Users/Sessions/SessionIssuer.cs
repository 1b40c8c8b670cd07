using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Users.Sessions;

/// <summary>The tokens a sign-in, or a refresh, hands to the client.</summary>
public sealed record SessionTokens(string Token, string RefreshToken);

/// <summary>
/// Starts the session of a sign-in (register, login): the row, its first refresh token and an access token
/// naming it. Who signed in from where is read here, so handlers never see the HTTP request.
/// </summary>
public sealed class SessionIssuer(TokenIssuer tokens, IHttpContextAccessor http, IOptions<SessionsOptions> options, TimeProvider time)
{
    private const int MaxUserAgent = 512;

    // A suspended user gets no session. FOR SHARE waits for a suspension in flight and then sees it; a session
    // that commits first is ended by the suspension's trigger (migration 0010), so none outlives it.
    private const string StartSql = """
        INSERT INTO sessions (id, user_id, client_address, user_agent, refresh_hash)
        SELECT @Id, @UserId, @ClientAddress, @UserAgent, @RefreshHash
        WHERE EXISTS (SELECT 1 FROM users WHERE id = @UserId AND suspended_at IS NULL FOR SHARE)
        """;

    // The same, returning a login's throttle lease first (one statement, so its row count is the insert's).
    private const string StartAndReleaseSql = $"""
        WITH released AS MATERIALIZED ({Throttle.ReleaseSql})
        INSERT INTO sessions (id, user_id, client_address, user_agent, refresh_hash)
        SELECT @Id, @UserId, @ClientAddress, @UserAgent, @RefreshHash
        FROM released
        WHERE EXISTS (SELECT 1 FROM users WHERE id = @UserId AND suspended_at IS NULL FOR SHARE)
        """;

    public async Task<SessionTokens> StartAsync(NpgsqlConnection connection, long userId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        var refresh = RefreshTokens.New(Guid.NewGuid());
        var request = http.HttpContext;
        var userAgent = request?.Request.Headers.UserAgent.ToString();
        // A login's throttle lease goes back in this same round trip (see LoginSettlement).
        var settlement = LoginSettlement.Current;
        var started = await connection.ExecuteAsync(new CommandDefinition(
            settlement is null ? StartSql : StartAndReleaseSql,
            new
            {
                ThrottleKeys = settlement?.Keys,
                ThrottleReset = settlement?.ResetKey,
                Id = refresh.SessionId,
                UserId = userId,
                ClientAddress = request?.Connection.RemoteIpAddress?.ToString(),
                // Stored for the session list only; the header is the client's to fill, so it is bounded and may be anything.
                UserAgent = string.IsNullOrEmpty(userAgent) ? null : Printable(userAgent[..Math.Min(userAgent.Length, MaxUserAgent)]),
                RefreshHash = refresh.Hash,
            },
            transaction,
            cancellationToken: cancellationToken));
        settlement?.MarkSettled();
        if (started == 0)
        {
            // Only after the password was right: whoever does not know it learns nothing about the account.
            throw new ApiException(StatusCodes.Status403Forbidden, ErrorEnvelope.Of("user", "suspended"));
        }

        return new SessionTokens(AccessToken(userId, refresh.SessionId, time.GetUtcNow().UtcDateTime), refresh.Value);
    }

    /// <summary>
    /// An access token of the session, issued by a sign-in or a refresh (nothing else extends a session): it
    /// expires no later than the refresh token's idle lifetime from now and the absolute lifetime from the sign-in.
    /// </summary>
    public string AccessToken(long userId, Guid sessionId, DateTime sessionStarted)
    {
        var settings = options.Value;
        var idleEnds = time.GetUtcNow().UtcDateTime + settings.RefreshIdleLifetime;
        var absoluteEnds = sessionStarted + settings.RefreshAbsoluteLifetime;
        return tokens.Issue(userId, sessionId, sessionStarted, idleEnds < absoluteEnds ? idleEnds : absoluteEnds);
    }

    private static string Printable(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        }
    });
}
