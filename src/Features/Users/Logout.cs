using Conduit.Infrastructure.Auth;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Users;

/// <summary>Ends the caller's own session: its access and refresh tokens stop working on every instance.</summary>
public static class Logout
{
    public sealed record Command : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        private const string Sql = "UPDATE sessions SET revoked_at = now() WHERE id = @SessionId AND user_id = @UserId AND revoked_at IS NULL";

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(Sql, new { SessionId = user.RequiredSessionId, UserId = user.RequiredId }, cancellationToken: cancellationToken));
            return Unit.Value;
        }
    }
}
