using Conduit.Infrastructure.Auth;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Users;

/// <summary>"Sign out everywhere else": every session of the caller but the current one ends.</summary>
public static class EndOtherSessions
{
    public sealed record Command : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        private const string Sql = "UPDATE sessions SET revoked_at = now() WHERE user_id = @UserId AND id <> @SessionId AND revoked_at IS NULL";

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(Sql, new { UserId = user.RequiredId, SessionId = user.RequiredSessionId }, cancellationToken: cancellationToken));
            return Unit.Value;
        }
    }
}
