using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Http;
using Dapper;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class DeleteArticle
{
    /// <param name="Expected">From the <c>If-Match</c> header: the version of the article the client last read.</param>
    public sealed record Command(string Slug, IfMatch? Expected = null) : ICommand, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // One statement decides and acts: it deletes only the caller's own article, and says whether
        // the slug existed at all (404) or belonged to someone else (403). Tags, favorites and comments
        // go with it (ON DELETE CASCADE).
        private const string Sql = """
            WITH target AS (SELECT id, author_id, version FROM articles WHERE slug = @Slug AND NOT hidden FOR UPDATE),
                 removed AS (
                     DELETE FROM articles a USING target t
                     WHERE a.id = t.id AND t.author_id = @Viewer AND (@Versions::text[] IS NULL OR (t.id || '.' || t.version) = ANY (@Versions))
                     RETURNING a.id)
            SELECT (SELECT author_id FROM target) AS author_id, EXISTS (SELECT 1 FROM removed) AS deleted
            """;

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            var outcome = await connection.QuerySingleAsync<(long? AuthorId, bool Deleted)>(new CommandDefinition(
                Sql, new { command.Slug, Viewer = user.RequiredId, Versions = command.Expected?.Versions?.ToArray() }, cancellationToken: cancellationToken));
            return outcome switch
            {
                { AuthorId: null } => throw ApiException.NotFound("article"),
                { Deleted: false } when outcome.AuthorId != user.RequiredId => throw ApiException.Forbidden("article"),
                { Deleted: false } => throw ApiException.PreconditionFailed("article"),
                _ => Unit.Value,
            };
        }
    }
}
