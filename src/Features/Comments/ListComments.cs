using Conduit.Features.Shared;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Paging;
using Dapper;
using FluentValidation;
using Mediator;

namespace Conduit.Features.Comments;

public static class ListComments
{
    /// <param name="Limit">A page of this many, oldest first (without it and without a cursor: every comment).</param>
    /// <param name="Cursor">The <c>nextCursor</c> of the previous page.</param>
    public sealed record Query(string Slug, int? Limit = null, string? Cursor = null) : IQuery<CommentsEnvelope>
    {
        internal string List => $"comments\n{Slug}";
    }

    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator(Cursors cursors)
        {
            PageRules.Limit(this, query => query.Limit);
            RuleFor(query => query.Cursor).Must((query, cursor) => cursors.TryRead(cursor, query.List, out _)).When(query => query.Cursor is not null)
                .WithMessage("is invalid, expired or belongs to another list").OverridePropertyName("cursor");
        }
    }

    /// <summary>The comments as anyone sees them (following no one): cached, shared by every viewer.</summary>
    public sealed record Public(string Slug) : IQuery<PublicComments>, ICachedQuery
    {
        public string CacheKey => $"comments:{Slug}";
    }

    public sealed record PublicComments(long ArticleId, CommentsEnvelope Envelope, long[] AuthorIds) : ICachedResult
    {
        IEnumerable<string> ICachedResult.DependsOn => [CacheTags.Comments(ArticleId), CacheTags.Article(ArticleId), .. AuthorIds.Select(CacheTags.Profile)];
    }

    internal sealed class Handler(ISender sender, ReadDatabase reads, ICurrentUser user, Cursors cursors) : IQueryHandler<Query, CommentsEnvelope>
    {
        public async ValueTask<CommentsEnvelope> Handle(Query query, CancellationToken cancellationToken)
        {
            var all = await sender.Send(new Public(query.Slug), cancellationToken);
            var (comments, authors, next) = PageOf(all, query);
            if (user.Id is not { } viewer)
            {
                return comments.Length == all.AuthorIds.Length ? all.Envelope : new CommentsEnvelope(comments, next);
            }

            var following = await Following.AmongAsync(reads.Source, viewer, [.. authors.Distinct()], cancellationToken);
            return new CommentsEnvelope(
                [.. comments.Select((comment, i) => comment with { Author = comment.Author with { Following = following.Contains(authors[i]) } })], next);
        }

        // Pages are cut from the cached thread: the first and the hundredth cost the same.
        private (Comment[] Comments, long[] Authors, string? Next) PageOf(PublicComments all, Query query)
        {
            if (query.Limit is null && query.Cursor is null)
            {
                return ([.. all.Envelope.Comments], all.AuthorIds, null);
            }

            var start = 0;
            if (cursors.TryRead(query.Cursor, query.List, out var after))
            {
                start = all.Envelope.Comments.TakeWhile(comment => comment.Id <= after.Id).Count();
            }

            var size = query.Limit ?? PageRules.DefaultPageSize;
            var taken = all.Envelope.Comments.Skip(start).Take(size).ToArray();
            var more = start + taken.Length < all.Envelope.Comments.Count;
            var next = more ? cursors.Issue(query.List, new CursorPosition(taken[^1].CreatedAt, taken[^1].Id)) : null;
            return (taken, all.AuthorIds[start..(start + taken.Length)], next);
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
