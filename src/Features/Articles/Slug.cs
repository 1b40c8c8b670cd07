using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conduit.Features.Articles;

/// <summary>URL slugs: "How to train your dragon!" → "how-to-train-your-dragon".</summary>
internal static class Slug
{
    private const int MaxLength = 80;
    private const string SuffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string From(string title)
    {
        var builder = new StringBuilder(Math.Min(title.Length, MaxLength));
        var dash = false;
        foreach (var character in title.Normalize(NormalizationForm.FormD))
        {
            if (builder.Length >= MaxLength)
            {
                break;
            }

            if (CharUnicodeInfo.GetUnicodeCategory(character) == UnicodeCategory.NonSpacingMark)
            {
                continue; // é → e
            }

            if (char.IsAsciiLetterOrDigit(character))
            {
                if (dash && builder.Length > 0)
                {
                    builder.Append('-');
                }

                builder.Append(char.ToLowerInvariant(character));
                dash = false;
            }
            else
            {
                dash = true;
            }
        }

        return builder.Length == 0 ? "article" : builder.ToString();
    }

    /// <summary>A taken slug gets a short random suffix; retries make a collision vanishingly unlikely.</summary>
    public static string WithSuffix(string slug) => $"{slug}-{RandomNumberGenerator.GetString(SuffixAlphabet, 6)}";
}
