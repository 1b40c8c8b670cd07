using System.Security.Cryptography;
using System.Text;
using Conduit.Infrastructure.Auth;
using Microsoft.Extensions.Options;

namespace Conduit.Infrastructure.Idempotency;

/// <summary>
/// Kept answers may hold tokens (sign-up, sign-in, refresh): they are stored encrypted (AES-GCM, a key derived
/// from <c>Jwt:SigningKey</c>, which every instance shares), so the table alone gives nobody a session.
/// </summary>
internal sealed class ResponseSealer(IOptions<JwtOptions> jwt)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, jwt.Value.KeyBytes(), 32, info: Encoding.UTF8.GetBytes("conduit idempotent responses"));

    public byte[] Seal(byte[] plain)
    {
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        return sealedBytes;
    }

    public byte[] Open(byte[] sealedBytes)
    {
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), plain);
        return plain;
    }
}
