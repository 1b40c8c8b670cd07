using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>Lifts a suspension: the user may sign in again and their articles and comments reappear (migration 0010).</summary>
public static class ReinstateUser
{
    public sealed record Command(string Username, string? Reason) : ICommand<AdminUserEnvelope>, IRequireRole
    {
        public Role RequiredRole => Role.Moderator;
    }

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => AdminRules.Reason(RuleFor(command => command.Reason));
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, AdminUserEnvelope>
    {
        // Decides and acts in one statement: no row when the username is unknown.
        private const string Sql = """
            WITH target AS (UPDATE users SET suspended_at = NULL WHERE lower(username) = lower(@Username)
                            RETURNING username, email, role),
                 logged AS (INSERT INTO audit_log (actor_id, actor, action, target, reason)
                            SELECT a.id, a.username, 'reinstate', 'user:' || t.username, @Reason FROM users a, target t WHERE a.id = @Actor)
            SELECT username, email, role, false AS suspended FROM target
            """;

        public async ValueTask<AdminUserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var reinstated = await connection.QuerySingleOrDefaultAsync<AdminUser>(new CommandDefinition(
                Sql, new { command.Username, command.Reason, Actor = user.RequiredId }, cancellationToken: cancellationToken));
            return reinstated is null ? throw ApiException.NotFound("user") : new AdminUserEnvelope(reinstated);
        }
    }
}
