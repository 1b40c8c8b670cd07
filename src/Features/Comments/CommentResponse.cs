using Conduit.Features.Shared;

namespace Conduit.Features.Comments;

public sealed record CommentEnvelope(Comment Comment);

/// <param name="NextCursor">Where the next page starts (<c>?cursor=</c>), when paging; null on the last page.</param>
public sealed record CommentsEnvelope(IReadOnlyList<Comment> Comments, string? NextCursor = null);

public sealed record Comment(long Id, DateTime CreatedAt, DateTime UpdatedAt, string Body, Profile Author);

/// <summary>A comment row with its author as the viewer sees them.</summary>
internal sealed class CommentRow
{
    public const string Columns = """
        c.id, c.created_at, c.updated_at, c.body, u.username, u.bio, u.image,
        EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = @Viewer AND fo.followee_id = c.author_id) AS following
        """;

    public long Id { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public string Body { get; init; } = "";
    public string Username { get; init; } = "";
    public string? Bio { get; init; }
    public string? Image { get; init; }
    public bool Following { get; init; }
    public long AuthorId { get; init; }

    public Comment ToComment() => new(Id, CreatedAt, UpdatedAt, Body, new Profile(Username, Bio, Image, Following));
}
