using Conduit.Infrastructure.Auth;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class FavoriteArticle
{
    public sealed record Command(string Slug) : ICommand<ArticleEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, ArticleEnvelope>
    {
        // One round trip, one implicit transaction. The counter moves only when a row was really
        // inserted, under the article's row lock, so concurrent favorites count exactly and a second
        // favorite by the same user changes nothing.
        private const string Sql = $"""
            WITH added AS (
                INSERT INTO favorites (user_id, article_id)
                SELECT @Viewer, id FROM articles WHERE slug = @Slug AND NOT hidden
                ON CONFLICT DO NOTHING
                RETURNING article_id)
            UPDATE articles SET favorites_count = favorites_count + 1 WHERE id IN (SELECT article_id FROM added);
            {ArticleSql.BySlug}
            """;

        public async ValueTask<ArticleEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await ArticleSql.ReadOneAsync(connection, Sql, new { command.Slug, Viewer = user.RequiredId }, cancellationToken);
        }
    }
}
