using Conduit.Infrastructure.Auth;
using Mediator;
using Npgsql;

namespace Conduit.Features.Articles;

public static class UnfavoriteArticle
{
    public sealed record Command(string Slug) : ICommand<ArticleEnvelope>, IAuthenticated;

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, ArticleEnvelope>
    {
        // The mirror of FavoriteArticle: the counter moves only for a row really deleted.
        private const string Sql = $"""
            WITH removed AS (
                DELETE FROM favorites f USING articles a
                WHERE f.user_id = @Viewer AND f.article_id = a.id AND a.slug = @Slug AND NOT a.hidden
                RETURNING f.article_id)
            UPDATE articles SET favorites_count = favorites_count - 1 WHERE id IN (SELECT article_id FROM removed);
            {ArticleSql.BySlug}
            """;

        public async ValueTask<ArticleEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            return await ArticleSql.ReadOneAsync(connection, Sql, new { command.Slug, Viewer = user.RequiredId }, cancellationToken);
        }
    }
}
