using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>Removes any comment, with a reason kept in the audit log.</summary>
public static class RemoveComment
{
    public sealed record Command(string Slug, long Id, string? Reason) : ICommand, IRequireRole
    {
        public Role RequiredRole => Role.Moderator;
    }

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => AdminRules.Reason(RuleFor(command => command.Reason));
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // Decides and acts in one statement: unknown article (404 article), no such comment on it (404 comment), an
        // author the actor may not act on (403, the refusal logged), or removed and logged.
        private const string Sql = $"""
            WITH article AS (SELECT id, slug FROM articles WHERE slug = @Slug),
                 target AS (SELECT c.id, c.author_id, u.role AS author_role, (SELECT role FROM users WHERE id = @Actor) AS actor_role
                            FROM comments c JOIN article a ON c.article_id = a.id JOIN users u ON u.id = c.author_id
                            WHERE c.id = @Id FOR SHARE OF u),
                 allowed AS (SELECT id FROM target WHERE {AdminRules.MayActOnAuthorSql}),
                 removed AS (DELETE FROM comments c USING allowed WHERE c.id = allowed.id RETURNING c.id),
                 logged AS ({AuditLog.Insert}
                            SELECT u.id, u.username, CASE WHEN EXISTS (SELECT 1 FROM allowed) THEN 'remove_comment' ELSE 'remove_comment_refused' END,
                                   'comment:' || t.id || ' on article:' || a.slug, @Reason
                            FROM users u, target t, article a WHERE u.id = @Actor)
            SELECT EXISTS (SELECT 1 FROM article) AS article_exists, EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM allowed) AS allowed
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(bool ArticleExists, bool Found, bool Allowed)>(new CommandDefinition(
                Sql, new { command.Slug, command.Id, command.Reason, Actor = user.RequiredId }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { ArticleExists: false } => throw ApiException.NotFound("article"),
                { Found: false } => throw ApiException.NotFound("comment"),
                { Allowed: false } => throw ApiException.Forbidden("user"),
                _ => Unit.Value,
            };
        }
    }
}
