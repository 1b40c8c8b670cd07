using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>
/// Suspends a user: they cannot sign in, their sessions end on every instance, and their articles and comments
/// disappear from every public read (all by the trigger on users.suspended_at, migration 0010); nothing is deleted.
/// </summary>
public static class SuspendUser
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
        // Suspending again changes nothing (the trigger fires on a change only) but is logged like the first time.
        private const string SuspendSql = $"""
            UPDATE users SET suspended_at = coalesce(suspended_at, now()) WHERE id = @Id;
            {AuditLog.AppendSql};
            """;

        public async ValueTask<AdminUserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var actor = user.RequiredId;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Its own statement: the count of admins that follows must be read after the lock is held.
            await connection.ExecuteAsync(new CommandDefinition(AdminRules.LockPrivilegedSql, transaction: transaction, cancellationToken: cancellationToken));
            var target = await AdminRules.TargetAsync(connection, transaction, actor, command.Username, "suspend", command.Reason, cancellationToken);
            if (target.Id == actor)
            {
                throw ApiException.Invalid(ErrorEnvelope.Of("username", "cannot be yourself"));
            }

            if (target.IsLastActiveAdmin)
            {
                throw ApiException.Invalid(ErrorEnvelope.Of("username", "is the last admin"));
            }

            await connection.ExecuteAsync(new CommandDefinition(
                SuspendSql,
                new { target.Id, Actor = actor, Action = "suspend", Target = $"user:{target.Username}", command.Reason },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return target.With(suspended: true);
        }
    }
}
