using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Users;

/// <summary>Ends one of the caller's sessions (a lost phone). Someone else's session is "not found": its existence is not told.</summary>
public static class EndSession
{
    public sealed record Command(Guid Id) : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // Ending an ended session again succeeds (DELETE is idempotent) and changes nothing.
        private const string Sql = """
            UPDATE sessions SET revoked_at = coalesce(revoked_at, now())
            WHERE id = @Id AND user_id = @UserId
            RETURNING id
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var ended = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(Sql, new { command.Id, UserId = user.RequiredId }, cancellationToken: cancellationToken));
            return ended is null ? throw ApiException.NotFound("session") : Unit.Value;
        }
    }
}
