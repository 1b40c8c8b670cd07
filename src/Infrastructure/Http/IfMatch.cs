using Microsoft.Net.Http.Headers;

namespace Conduit.Infrastructure.Http;

/// <summary>
/// A write's <c>If-Match</c> (RFC 9110 §13.1.1) against the versioned ETags the API sends
/// (<c>"&lt;id&gt;.&lt;version&gt;[...]"</c>): it holds when a listed strong tag names the resource's current
/// id and version (what follows them in the tag — counts, the author's version, the viewer's flags — is
/// about the rendering, not the thing edited). Weak tags never match (strong comparison); <c>*</c> matches
/// any current representation; an unreadable header matches nothing. No header: no precondition.
/// </summary>
public sealed class IfMatch
{
    private readonly string[]? versions;

    private IfMatch(string[]? versions) => this.versions = versions;

    /// <summary>The <c>&lt;id&gt;.&lt;version&gt;</c> pairs it accepts, for SQL; null: any (<c>*</c>).</summary>
    public IReadOnlyList<string>? Versions => versions;

    public static IfMatch? Parse(string? header)
    {
        if (header is null)
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList([header], out var tags) || tags.Count == 0)
        {
            return new IfMatch([]);
        }

        if (tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            return new IfMatch(null);
        }

        return new IfMatch([.. tags.Where(tag => !tag.IsWeak).Select(tag => VersionOf(tag.Tag.Value!)).OfType<string>()]);
    }

    public bool Allows(long id, int version) => versions is null || versions.Contains($"{id}.{version}");

    /// <summary><c>"12.3.0.7"</c> → <c>12.3</c>; anything else is no version of ours.</summary>
    private static string? VersionOf(string quoted)
    {
        var parts = quoted.Trim('"').Split('.');
        return parts.Length >= 2 && long.TryParse(parts[0], out var id) && int.TryParse(parts[1], out var version) ? $"{id}.{version}" : null;
    }
}
