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
        // Decides and acts in one statement: unknown article (404 article), no such comment on it (404 comment), or removed and logged.
        private const string Sql = """
            WITH article AS (SELECT id, slug FROM articles WHERE slug = @Slug),
                 removed AS (DELETE FROM comments c USING article a WHERE c.article_id = a.id AND c.id = @Id RETURNING c.id),
                 logged AS (INSERT INTO audit_log (actor_id, actor, action, target, reason)
                            SELECT u.id, u.username, 'remove_comment', 'comment:' || r.id || ' on article:' || a.slug, @Reason
                            FROM users u, removed r, article a WHERE u.id = @Actor)
            SELECT EXISTS (SELECT 1 FROM article) AS article_exists, EXISTS (SELECT 1 FROM removed) AS removed
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(bool ArticleExists, bool Removed)>(new CommandDefinition(
                Sql, new { command.Slug, command.Id, command.Reason, Actor = user.RequiredId }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { ArticleExists: false } => throw ApiException.NotFound("article"),
                { Removed: false } => throw ApiException.NotFound("comment"),
                _ => Unit.Value,
            };
        }
    }
}
