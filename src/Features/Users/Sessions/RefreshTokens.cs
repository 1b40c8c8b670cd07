using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Conduit.Features.Users.Sessions;

/// <summary>
/// A refresh token is <c>&lt;session id, 32 hex&gt;.&lt;secret, 32 random bytes in base64url&gt;</c>: the id lets the
/// server find the session by its key and throttle per session; the secret is stored only as its SHA-256
/// (256 random bits need no slow hash). A rotation's successor is HMAC-SHA256(previous secret, random nonce):
/// whoever presents the previous secret within the reuse interval can be given the same successor again,
/// without the successor itself ever being stored, and nobody can compute it without both.
/// </summary>
public static class RefreshTokens
{
    private const int SecretBytes = 32;
    private const int IdChars = 32;
    private static readonly int SecretChars = Base64Url.GetEncodedLength(SecretBytes);

    public static RefreshToken New(Guid sessionId) => new(sessionId, RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>Only the exact shape this API issues; anything else (truncated, padded, another kind of token) is not one.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out RefreshToken? token)
    {
        token = null;
        if (text is null || text.Length != IdChars + 1 + SecretChars || text[IdChars] != '.'
            || !Guid.TryParseExact(text.AsSpan(0, IdChars), "N", out var sessionId))
        {
            return false;
        }

        var secret = new byte[SecretBytes];
        if (Base64Url.DecodeFromChars(text.AsSpan(IdChars + 1), secret, out var read, out var written) != System.Buffers.OperationStatus.Done
            || read != SecretChars || written != SecretBytes)
        {
            return false;
        }

        token = new RefreshToken(sessionId, secret);
        return true;
    }

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(SecretBytes);
}

public sealed class RefreshToken(Guid sessionId, byte[] secret)
{
    public Guid SessionId { get; } = sessionId;

    public byte[] Hash { get; } = SHA256.HashData(secret);

    /// <summary>The token that rotation with <paramref name="nonce"/> turns this one into.</summary>
    public RefreshToken Successor(byte[] nonce) => new(SessionId, HMACSHA256.HashData(secret, nonce));

    /// <summary>The wire form. Never logged.</summary>
    public string Value => $"{SessionId:N}.{Base64Url.EncodeToString(secret)}";

    public bool Matches(byte[]? storedHash) => storedHash is not null && CryptographicOperations.FixedTimeEquals(Hash, storedHash);

    public override string ToString() => $"refresh token of session {SessionId}";
}
