using Conduit.Infrastructure.Auth;
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
        private const string ReinstateSql = $"""
            UPDATE users SET suspended_at = NULL WHERE id = @Id;
            {AuditLog.AppendSql};
            """;

        public async ValueTask<AdminUserEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var actor = user.RequiredId;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var target = await AdminRules.TargetAsync(connection, transaction, actor, command.Username, "reinstate", command.Reason, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                ReinstateSql,
                new { target.Id, Actor = actor, Action = "reinstate", Target = $"user:{target.Username}", command.Reason },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return target.With(suspended: false);
        }
    }
}
