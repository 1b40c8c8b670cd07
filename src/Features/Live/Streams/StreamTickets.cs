using System.Buffers.Text;
using System.Security.Cryptography;
using Conduit.Infrastructure.Auth;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Live.Streams;

/// <summary>
/// Short-lived, single-use stream tickets for clients that cannot send headers (EventSource): 256 random bits
/// in the query string, stored only as their SHA-256, spent by the one statement that reads them, so a
/// ticket works once on any instance. Tickets are never logged (the request log names the route template).
/// </summary>
public sealed class StreamTickets(NpgsqlDataSource db, ISessionCheck sessions, IOptions<LiveOptions> options)
{
    private const int SecretBytes = 32;
    private static readonly int TicketChars = Base64Url.GetEncodedLength(SecretBytes);

    private const string IssueSql = """
        INSERT INTO live_tickets (hash, user_id, session_id, expires_at) VALUES (@Hash, @UserId, @SessionId, now() + @Lifetime)
        """;

    private const string RedeemSql = """
        DELETE FROM live_tickets WHERE hash = @Hash RETURNING user_id, session_id, expires_at > now() AS valid
        """;

    public TimeSpan Lifetime => options.Value.TicketLifetime;

    public async Task<string> IssueAsync(long userId, Guid sessionId, CancellationToken cancellationToken)
    {
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            IssueSql, new { Hash = SHA256.HashData(secret), UserId = userId, SessionId = sessionId, Lifetime = Lifetime }, cancellationToken: cancellationToken));
        return Base64Url.EncodeToString(secret);
    }

    /// <summary>The ticket's user and session, or null: unknown, spent, expired, malformed, or its session ended.</summary>
    public async Task<(long UserId, Guid SessionId)?> RedeemAsync(string ticket, CancellationToken cancellationToken)
    {
        var secret = new byte[SecretBytes];
        if (ticket.Length != TicketChars
            || Base64Url.DecodeFromChars(ticket, secret, out _, out var written) != System.Buffers.OperationStatus.Done || written != SecretBytes)
        {
            return null;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long UserId, Guid SessionId, bool Valid)?>(new CommandDefinition(
            RedeemSql, new { Hash = SHA256.HashData(secret) }, cancellationToken: cancellationToken));
        if (row is not { Valid: true } found || !await sessions.IsActiveAsync(found.SessionId, cancellationToken))
        {
            return null;
        }

        return (found.UserId, found.SessionId);
    }
}
