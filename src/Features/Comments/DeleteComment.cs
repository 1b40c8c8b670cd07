using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Comments;

public static class DeleteComment
{
    public sealed record Command(string Slug, long Id) : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // Decides and acts in one statement: unknown article (404 article), no such comment on it
        // (404 comment), someone else's comment (403), or deleted.
        private const string Sql = """
            WITH article AS (SELECT id FROM articles WHERE slug = @Slug AND NOT hidden),
                 target AS (SELECT c.id, c.author_id FROM comments c JOIN article a ON c.article_id = a.id WHERE c.id = @Id),
                 removed AS (DELETE FROM comments c USING target t WHERE c.id = t.id AND t.author_id = @Viewer RETURNING c.id)
            SELECT EXISTS (SELECT 1 FROM article) AS article_exists,
                   EXISTS (SELECT 1 FROM target) AS comment_exists,
                   EXISTS (SELECT 1 FROM removed) AS deleted
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(bool ArticleExists, bool CommentExists, bool Deleted)>(new CommandDefinition(
                Sql, new { command.Slug, command.Id, Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { ArticleExists: false } => throw ApiException.NotFound("article"),
                { CommentExists: false } => throw ApiException.NotFound("comment"),
                { Deleted: false } => throw ApiException.Forbidden("comment"),
                _ => Unit.Value,
            };
        }
    }
}
