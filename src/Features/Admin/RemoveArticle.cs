using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>Removes any article (hidden or not), with a reason kept in the audit log.</summary>
public static class RemoveArticle
{
    public sealed record Command(string Slug, string? Reason) : ICommand, IRequireRole
    {
        public Role RequiredRole => Role.Moderator;
    }

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => AdminRules.Reason(RuleFor(command => command.Reason));
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // One statement: the delete and its log entry commit together (the delete's own triggers tell the caches).
        private const string Sql = """
            WITH removed AS (DELETE FROM articles WHERE slug = @Slug RETURNING slug)
            INSERT INTO audit_log (actor_id, actor, action, target, reason)
            SELECT a.id, a.username, 'remove_article', 'article:' || r.slug, @Reason FROM users a, removed r WHERE a.id = @Actor
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var logged = await connection.ExecuteAsync(new CommandDefinition(
                Sql, new { command.Slug, command.Reason, Actor = user.RequiredId }, cancellationToken: cancellationToken));
            return logged == 0 ? throw ApiException.NotFound("article") : Unit.Value;
        }
    }
}
