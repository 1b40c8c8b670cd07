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
        // Decides and acts in one statement: the delete and its log entry (or the refusal's) commit together (the
        // delete's own triggers tell the caches). The author's row is locked: a role change cannot slip in between.
        private const string Sql = $"""
            WITH target AS (SELECT a.id, a.slug, a.author_id, u.role AS author_role,
                                   (SELECT role FROM users WHERE id = @Actor) AS actor_role
                            FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = @Slug FOR SHARE OF u),
                 allowed AS (SELECT id FROM target WHERE {AdminRules.MayActOnAuthorSql}),
                 removed AS (DELETE FROM articles a USING allowed WHERE a.id = allowed.id RETURNING a.id),
                 logged AS ({AuditLog.Insert}
                            SELECT u.id, u.username, CASE WHEN EXISTS (SELECT 1 FROM allowed) THEN 'remove_article' ELSE 'remove_article_refused' END,
                                   'article:' || t.slug, @Reason
                            FROM users u, target t WHERE u.id = @Actor)
            SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM allowed) AS allowed
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(bool Found, bool Allowed)>(new CommandDefinition(
                Sql, new { command.Slug, command.Reason, Actor = user.RequiredId }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { Found: false } => throw ApiException.NotFound("article"),
                { Allowed: false } => throw ApiException.Forbidden("user"),
                _ => Unit.Value,
            };
        }
    }
}
