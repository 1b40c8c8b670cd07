using System.Security.Cryptography;
using System.Text;

namespace Conduit.Features.Articles;

/// <summary>URL slugs: "How to train your dragon!" → "how-to-train-your-dragon".</summary>
internal static class Slug
{
    private const int MaxLength = 80;
    private const string SuffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string Accented = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžČčĆćĐđŁłŃńŚśŹźŻżĘęĄąŘřŤťŮůĚěŇňĞğŞşİı";
    private const string Plain = "aaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooooouuuuuuuuyyysszzccccddllnnsszzzzeeaarrttuueennggssii";

    public static string From(string title)
    {
        var builder = new StringBuilder(Math.Min(title.Length, MaxLength));
        var dash = false;
        foreach (var character in title)
        {
            if (Fold(character) is not { } folded)
            {
                dash = true;
                continue;
            }

            var needed = dash && builder.Length > 0 ? 2 : 1;
            if (builder.Length + needed > MaxLength)
            {
                break;
            }

            if (dash && builder.Length > 0)
            {
                builder.Append('-');
            }

            builder.Append(folded);
            dash = false;
        }

        return builder.Length == 0 ? "article" : builder.ToString();
    }

    /// <summary>
    /// ASCII letters and digits, lower-cased; accented Latin letters without their accents (é → e, ł → l);
    /// null for everything else, which separates words. A table, because the API runs with invariant
    /// globalization (no ICU), where Unicode decomposition is not available.
    /// </summary>
    private static char? Fold(char character)
    {
        if (char.IsAsciiLetterOrDigit(character))
        {
            return char.ToLowerInvariant(character);
        }

        var index = Accented.IndexOf(character, StringComparison.Ordinal);
        return index < 0 ? null : Plain[index];
    }


    /// <summary>A taken slug gets a short random suffix; retries make a collision vanishingly unlikely.</summary>
    public static string WithSuffix(string slug) => $"{slug}-{RandomNumberGenerator.GetString(SuffixAlphabet, 6)}";
}
