using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>Gives a user the role <c>user</c>, <c>moderator</c> or <c>admin</c>: admins only.</summary>
public static class ChangeRole
{
    public sealed record Body(string? Role);

    public sealed record Command(string Username, string? Role) : ICommand<AdminUserEnvelope>, IRequireRole
    {
        public Role RequiredRole => Infrastructure.Auth.Role.Admin;
    }

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(command => command.Role)
            .Must(role => Roles.Parse(role) is not null).WithMessage("must be user, moderator or admin");
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, AdminUserEnvelope>
    {
        private const string ChangeSql = $"""
            UPDATE users SET role = @Role WHERE id = @Id;
            {AuditLog.AppendSql};
            """;

        public async ValueTask<AdminUserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Its own statement: the count of admins that follows must be read after the lock is held.
            await connection.ExecuteAsync(new CommandDefinition(AdminRules.LockPrivilegedSql, transaction: transaction, cancellationToken: cancellationToken));
            var target = await AdminRules.TargetAsync(connection, transaction, user.RequiredId, command.Username, "role", $"role -> {command.Role}", cancellationToken);
            if (target.IsLastActiveAdmin && command.Role != "admin")
            {
                throw ApiException.Invalid(ErrorEnvelope.Of("username", "is the last admin"));
            }

            await connection.ExecuteAsync(new CommandDefinition(
                ChangeSql,
                new
                {
                    target.Id,
                    command.Role,
                    Actor = user.RequiredId,
                    Action = "role",
                    Target = $"user:{target.Username}",
                    Reason = $"role {target.Role} -> {command.Role}",
                },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return target.With(role: command.Role);
        }
    }
}
