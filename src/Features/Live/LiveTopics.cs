using System.Text.RegularExpressions;

namespace Conduit.Features.Live;

/// <summary>
/// What a stream subscribes to and the events it carries, as the triggers of migrations 0009 and 0017 write them
/// into <c>live_events</c>: the one definition on the C# side. tests/Api.Tests/Architecture/VocabularyTests.cs
/// exercises the triggers and fails on a topic or an event type this class does not know.
/// </summary>
public static partial class LiveTopics
{
    /// <summary>The comments of an article (<c>GET /api/articles/{slug}/comments/live</c>).</summary>
    public static string Comments(long articleId) => $"c{articleId}";

    /// <summary>A user's own activity (<c>GET /api/user/live</c>).</summary>
    public static string User(long userId) => $"u{userId}";

    /// <summary>The event types, as the README's live table documents them.</summary>
    public static readonly IReadOnlySet<string> EventTypes =
        new HashSet<string>(["comment.added", "comment.deleted", "article.published", "article.favorited", "follower.added"], StringComparer.Ordinal);

    /// <summary>True for exactly the topics above.</summary>
    public static bool IsKnown(string topic) => Known().IsMatch(topic);

    [GeneratedRegex("^[cu][1-9][0-9]*$")]
    private static partial Regex Known();
}
