using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;

namespace Conduit.Features.Comments;

public static class ListComments
{
    public sealed record Query(string Slug) : IQuery<CommentsEnvelope>;

    internal sealed class Handler(ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, CommentsEnvelope>
    {
        // Two statements, one round trip: does the article exist, and its comments, oldest first.
        private const string Sql = $"""
            SELECT EXISTS (SELECT 1 FROM articles WHERE slug = @Slug);
            SELECT {CommentRow.Columns}
            FROM articles a
            JOIN comments c ON c.article_id = a.id
            JOIN users u ON u.id = c.author_id
            WHERE a.slug = @Slug
            ORDER BY c.id
            """;

        public async ValueTask<CommentsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await reads.Source.OpenConnectionAsync(cancellationToken);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
                Sql, new { query.Slug, Viewer = user.Id }, cancellationToken: cancellationToken));
            if (!await results.ReadSingleAsync<bool>())
            {
                throw ApiException.NotFound("article");
            }

            var rows = await results.ReadAsync<CommentRow>();
            return new CommentsEnvelope([.. rows.Select(row => row.ToComment())]);
        }
    }
}
