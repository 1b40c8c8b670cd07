using System.Text.RegularExpressions;

namespace Conduit.Features.Shared;

/// <summary>
/// What a cached read depends on, as the triggers of migrations 0006, 0010 and 0012 name it in their
/// <c>NOTIFY conduit_cache</c> payloads ('&lt;n&gt; &lt;tag&gt; &lt;tag&gt; ...'): the one definition on the C# side.
/// The read cache (src/Infrastructure/Caching) compares tags as opaque strings; tests/Api.Tests/Architecture/VocabularyTests.cs
/// exercises the triggers and fails on a tag this class does not know.
/// </summary>
public static partial class CacheTags
{
    /// <summary>Membership of the unfiltered article list (an article created or deleted).</summary>
    public const string ArticleList = "L";

    /// <summary>Any article's text (an edit): every cached search depends on it.</summary>
    public const string ArticleText = "E";

    /// <summary>The tags in use, and any tag's list when the tag is unknown yet.</summary>
    public const string TagsInUse = "T";

    /// <summary>A new user: a list filtered by a name nobody had yet.</summary>
    public const string NewUser = "U";

    /// <summary>Everything (a statement too large to list, a suspension).</summary>
    public const string Everything = "*";

    /// <summary>An article's row (content, favorites count).</summary>
    public static string Article(long articleId) => $"a{articleId}";

    /// <summary>The comments of an article.</summary>
    public static string Comments(long articleId) => $"c{articleId}";

    /// <summary>A user's public profile.</summary>
    public static string Profile(long userId) => $"u{userId}";

    /// <summary>Membership of a tag's list.</summary>
    public static string Tag(long tagId) => $"t{tagId}";

    /// <summary>Membership of an author's list.</summary>
    public static string Author(long userId) => $"A{userId}";

    /// <summary>Membership of a user's favorites list.</summary>
    public static string Favorites(long userId) => $"F{userId}";

    /// <summary>True for exactly the tags above.</summary>
    public static bool IsKnown(string tag) => Known().IsMatch(tag);

    [GeneratedRegex(@"^(?:[LETU*]|[acutAF][1-9][0-9]*)$")]
    private static partial Regex Known();
}
