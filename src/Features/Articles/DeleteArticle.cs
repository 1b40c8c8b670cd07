using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class DeleteArticle
{
    public sealed record Command(string Slug) : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // One statement decides and acts: it deletes only the caller's own article, and says whether
        // the slug existed at all (404) or belonged to someone else (403). Tags, favorites and comments
        // go with it (ON DELETE CASCADE).
        private const string Sql = """
            WITH target AS (SELECT id, author_id FROM articles WHERE slug = @Slug),
                 removed AS (DELETE FROM articles a USING target t WHERE a.id = t.id AND t.author_id = @Viewer RETURNING a.id)
            SELECT (SELECT author_id FROM target) AS author_id, EXISTS (SELECT 1 FROM removed) AS deleted
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(long? AuthorId, bool Deleted)>(new CommandDefinition(
                Sql, new { command.Slug, Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { AuthorId: null } => throw ApiException.NotFound("article"),
                { Deleted: false } => throw ApiException.Forbidden("article"),
                _ => Unit.Value,
            };
        }
    }
}
