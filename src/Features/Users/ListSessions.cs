using Conduit.Features.Users.Sessions;
using Conduit.Infrastructure.Auth;
using Dapper;
using Mediator;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conduit.Features.Users;

/// <summary>The caller's sessions that can still be used, most recently seen first, the current one marked.</summary>
public static class ListSessions
{
    public sealed record Query : IQuery<SessionsEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user, IOptions<SessionsOptions> sessions, IOptions<JwtOptions> jwt) : IQueryHandler<Query, SessionsEnvelope>
    {
        // Usable: not ended, and either its refresh token is still valid or an access token of it may still be.
        // Signed-in queries read the primary: the list reflects a sign-out just made.
        private const string Sql = """
            SELECT id, created_at, last_seen_at, client_address, user_agent, id = @Current AS current
            FROM sessions
            WHERE user_id = @UserId AND revoked_at IS NULL
              AND (refreshed_at > now() - @Idle AND created_at > now() - @Absolute OR last_seen_at > now() - @Lifetime)
            ORDER BY last_seen_at DESC, created_at DESC
            """;

        public async ValueTask<SessionsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var rows = await connection.QueryAsync<SessionView>(new CommandDefinition(
                Sql,
                new
                {
                    UserId = user.RequiredId,
                    Current = user.RequiredSessionId,
                    Idle = sessions.Value.RefreshIdleLifetime,
                    Absolute = sessions.Value.RefreshAbsoluteLifetime,
                    jwt.Value.Lifetime,
                },
                cancellationToken: cancellationToken));
            return new SessionsEnvelope([.. rows]);
        }
    }
}
