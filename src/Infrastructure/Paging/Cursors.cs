using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Conduit.Infrastructure.Auth;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Paging;

/// <summary>Where a cursor walk stands: the last item shown (newest-first lists: its time and id).</summary>
public readonly record struct CursorPosition(DateTime Time, long Id);

/// <summary>
/// Opaque, signed cursors for keyset paging (GitHub, Slack, Django REST framework's CursorPagination): the
/// position of the last item shown, the list it belongs to and an expiry, under an HMAC with a key derived
/// from <c>Jwt:SigningKey</c> (shared by every instance). A page after a cursor starts strictly after that
/// item, so inserts while a client scrolls neither repeat nor skip what was there, and any depth costs one
/// index seek. Tampered, foreign (another list's) and expired cursors are refused.
/// </summary>
public sealed class Cursors(IOptions<JwtOptions> jwt, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    private const int MacBytes = 16;
    private const int PayloadBytes = 8 + 8 + 8 + 8; // list hash, time ticks, id, expiry

    private readonly byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, jwt.Value.KeyBytes(), 32, info: Encoding.UTF8.GetBytes("conduit cursors"));

    /// <param name="list">What is being walked, with every filter (and the viewer, for a personal list).</param>
    public string Issue(string list, CursorPosition after)
    {
        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, ListHash(list));
        BinaryPrimitives.WriteInt64BigEndian(token[8..], after.Time.Ticks);
        BinaryPrimitives.WriteInt64BigEndian(token[16..], after.Id);
        BinaryPrimitives.WriteInt64BigEndian(token[24..], (time.GetUtcNow() + Lifetime).UtcTicks);
        HMACSHA256.HashData(key, token[..PayloadBytes])[..MacBytes].CopyTo(token[PayloadBytes..]);
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public bool TryRead(string? cursor, string list, out CursorPosition after)
    {
        after = default;
        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        if (cursor is null || cursor.Length is < 10 or > 64 || !TryDecode(cursor, token))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(key, token[..PayloadBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..MacBytes], token[PayloadBytes..])
            || BinaryPrimitives.ReadInt64BigEndian(token) != ListHash(list)
            || BinaryPrimitives.ReadInt64BigEndian(token[24..]) < time.GetUtcNow().UtcTicks)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(token[8..]);
        if (ticks is < 0 || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        after = new CursorPosition(new DateTime(ticks, DateTimeKind.Utc), BinaryPrimitives.ReadInt64BigEndian(token[16..]));
        return true;
    }

    private static bool TryDecode(string cursor, Span<byte> token)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        return Convert.TryFromBase64String(base64, token, out var written) && written == token.Length;
    }

    private static long ListHash(string list) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(list)));
}
