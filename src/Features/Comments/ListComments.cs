using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Dapper;
using Mediator;

namespace Conduit.Features.Comments;

public static class ListComments
{
    public sealed record Query(string Slug) : IQuery<CommentsEnvelope>;

    /// <summary>The comments as anyone sees them (following no one): cached, shared by every viewer.</summary>
    public sealed record Public(string Slug) : IQuery<PublicComments>, ICachedQuery
    {
        public string CacheKey => $"comments:{Slug}";
    }

    public sealed record PublicComments(long ArticleId, CommentsEnvelope Envelope, long[] AuthorIds) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [$"c{ArticleId}", $"a{ArticleId}", .. AuthorIds.Select(id => $"u{id}")];
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user) : IQueryHandler<Query, CommentsEnvelope>
    {
        public async ValueTask<CommentsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var shown = await sender.Send(new Public(query.Slug), cancellationToken);
            if (user.Id is not { } viewer)
            {
                return shown.Envelope;
            }

            var following = await Following.AmongAsync(reads.Source, viewer, [.. shown.AuthorIds.Distinct()], cancellationToken);
            return new CommentsEnvelope([.. shown.Envelope.Comments.Select((comment, i) =>
                comment with { Author = comment.Author with { Following = following.Contains(shown.AuthorIds[i]) } })]);
        }
    }

    internal sealed class PublicHandler(ReadDatabase reads) : IQueryHandler<Public, PublicComments>
    {
        // Two statements, one round trip: the article (does it exist), and its comments, oldest first; a suspended
        // author's article or comments are hidden (migration 0010).
        private const string Sql = $"""
            SELECT id FROM articles WHERE slug = @Slug AND NOT hidden;
            SELECT {CommentRow.Columns}, c.author_id
            FROM articles a
            JOIN comments c ON c.article_id = a.id
            JOIN users u ON u.id = c.author_id
            WHERE a.slug = @Slug AND NOT a.hidden AND NOT c.hidden
            ORDER BY c.id
            """;

        public async ValueTask<PublicComments> Handle(Public query, CancellationToken cancellationToken)
        {
            await using var connection = await reads.Source.OpenConnectionAsync(cancellationToken);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
                Sql, new { query.Slug, Viewer = (long?)null }, cancellationToken: cancellationToken));
            var articleId = await results.ReadSingleOrDefaultAsync<long?>() ?? throw ApiException.NotFound("article");
            var rows = (await results.ReadAsync<CommentRow>()).ToArray();
            return new PublicComments(articleId, new CommentsEnvelope([.. rows.Select(row => row.ToComment())]), [.. rows.Select(row => row.AuthorId)]);
        }
    }
}
