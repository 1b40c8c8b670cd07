using Conduit.Features.Users.Sessions;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Validation;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Users;

/// <summary>
/// A refresh token for a new access token and a new refresh token (rotation). The previous token, presented
/// again within the reuse interval, gets the same successor (two tabs refreshing at once stay one chain);
/// presented later, or any token the session spent before, is a replay: the whole session ends (RFC 9700 §4.14).
/// A secret the session never issued is a failed attempt and nothing more.
/// </summary>
public static partial class RefreshSession
{
    public sealed record Command(string? RefreshToken) : ICommand<UserEnvelope>, ICountsFailedLogins
    {
        // Failed refreshes count per session and address (the id is readable in the token) and per address,
        // in the same buckets as wrong passwords.
        string? ICountsFailedLogins.Account => RefreshTokens.TryParse(RefreshToken, out var token) ? $"session:{token.SessionId:N}" : "session:malformed";
    }

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(command => command.RefreshToken).NotBlank();
    }

    internal sealed partial class Handler(NpgsqlDataSource db, SessionIssuer sessions, ICurrentUser caller, IOptions<SessionsOptions> options, ILogger<Handler> logger)
        : ICommandHandler<Command, UserEnvelope>
    {
        // Only the holder of the current secret rotates; concurrent rotations queue on the row lock and all but
        // the first find the hash already changed. The spent token is remembered in the same statement.
        private const string RotateSql = """
            WITH rotated AS (
                UPDATE sessions s SET
                    previous_hash = s.refresh_hash, refresh_hash = @NextHash, rotation_nonce = @Nonce,
                    refreshed_at = now(), last_seen_at = now()
                FROM users u
                WHERE s.id = @SessionId AND s.refresh_hash = @Hash AND s.revoked_at IS NULL
                  AND s.refreshed_at > now() - @Idle AND s.created_at > now() - @Absolute
                  AND u.id = s.user_id AND (@Caller IS NULL OR u.id = @Caller)
                RETURNING u.id, u.email, u.username, u.bio, u.image, u.version, s.created_at),
            spent AS (INSERT INTO spent_refresh_tokens (session_id, hash) SELECT @SessionId, @Hash FROM rotated ON CONFLICT DO NOTHING)
            SELECT * FROM rotated
            """;

        private const string ReadSql = """
            SELECT u.id, u.email, u.username, u.bio, u.image, u.version, s.created_at,
                   s.refresh_hash, s.previous_hash, s.rotation_nonce,
                   s.revoked_at IS NOT NULL AS revoked,
                   s.refreshed_at > now() - @Reuse AS recently_rotated,
                   s.created_at > now() - @Absolute AS within_lifetime,
                   EXISTS (SELECT 1 FROM spent_refresh_tokens t WHERE t.session_id = s.id AND t.hash = @Hash) AS spent
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = @SessionId
            """;

        private const string EndSql = "UPDATE sessions SET revoked_at = now() WHERE id = @SessionId AND revoked_at IS NULL";

        public async ValueTask<UserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            if (!RefreshTokens.TryParse(command.RefreshToken, out var presented))
            {
                throw Invalid();
            }

            var settings = options.Value;
            var nonce = RefreshTokens.NewNonce();
            var next = presented.Successor(nonce);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var rotated = await connection.QuerySingleOrDefaultAsync<Rotated>(new CommandDefinition(
                RotateSql,
                new
                {
                    presented.SessionId,
                    presented.Hash,
                    NextHash = next.Hash,
                    Nonce = nonce,
                    Idle = settings.RefreshIdleLifetime,
                    Absolute = settings.RefreshAbsoluteLifetime,
                    Caller = caller.Id,
                },
                cancellationToken: cancellationToken));
            if (rotated is not null)
            {
                return rotated.User.ToEnvelope(new SessionTokens(sessions.AccessToken(rotated.Id, presented.SessionId, rotated.CreatedAt), next.Value));
            }

            var session = await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(
                ReadSql,
                new { presented.SessionId, presented.Hash, Reuse = settings.RefreshReuseInterval, Absolute = settings.RefreshAbsoluteLifetime },
                cancellationToken: cancellationToken));
            if (session is null || session.Revoked || caller.Id is { } id && id != session.Id || presented.Matches(session.RefreshHash))
            {
                // Unknown, already ended, presented with another user's access token, or the current token past its lifetime.
                throw Invalid();
            }

            if (presented.Matches(session.PreviousHash) && session.RecentlyRotated && session.WithinLifetime
                && presented.Successor(session.RotationNonce!) is var successor && successor.Matches(session.RefreshHash))
            {
                return session.User.ToEnvelope(new SessionTokens(sessions.AccessToken(session.Id, presented.SessionId, session.CreatedAt), successor.Value));
            }

            if (!session.Spent)
            {
                // A secret this session never issued: whoever sent it knows the session id (it is in every access
                // token) but not a token; that alone must not end the session.
                throw Invalid();
            }

            // Spent before, by the client or by a thief: nobody can tell which, so nobody keeps the session.
            await connection.ExecuteAsync(new CommandDefinition(EndSql, new { presented.SessionId }, cancellationToken: CancellationToken.None));
            LogReplay(logger, presented.SessionId);
            throw Invalid();
        }

        private static ApiException Invalid() => ApiException.Unauthorized("refreshToken", "is invalid");

        [LoggerMessage(Level = LogLevel.Warning, Message = "A spent refresh token was presented again; session {SessionId} ended")]
        private static partial void LogReplay(ILogger logger, Guid sessionId);

        private sealed record Rotated(long Id, string Email, string Username, string? Bio, string? Image, int Version, DateTime CreatedAt)
        {
            public UserRow User => new(Id, Email, Username, Bio, Image, Version);
        }

        private sealed record Stored(
            long Id, string Email, string Username, string? Bio, string? Image, int Version, DateTime CreatedAt,
            byte[] RefreshHash, byte[]? PreviousHash, byte[]? RotationNonce, bool Revoked, bool RecentlyRotated, bool WithinLifetime, bool Spent)
        {
            public UserRow User => new(Id, Email, Username, Bio, Image, Version);
        }
    }
}
