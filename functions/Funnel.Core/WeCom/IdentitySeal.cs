using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.WeCom;

/// <summary>
/// A channel identity (a WeCom external user id) sealed for storage: AES-256-GCM under a key derived with HKDF-SHA256
/// from the lead-hash key (so the sealed identities live and die with the lead ids they belong to), a fresh 96-bit
/// nonce per seal, and the lead id as associated data (a sealed value copied to another lead's row does not open).
/// Layout, base64: version byte 1 | nonce (12) | ciphertext | tag (16).
/// </summary>
public sealed class IdentitySeal
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public IdentitySeal(byte[] leadHashKey)
    {
        ArgumentNullException.ThrowIfNull(leadHashKey);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, leadHashKey, 32, info: Encoding.UTF8.GetBytes("funnel identity vault v1"));
    }

    public string Seal(string leadId, string identity)
    {
        var plain = Encoding.UTF8.GetBytes(identity);
        var sealedBytes = new byte[1 + NonceSize + plain.Length + TagSize];
        sealedBytes[0] = Version;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceSize, plain.Length), sealedBytes.AsSpan(1 + NonceSize + plain.Length), Encoding.UTF8.GetBytes(leadId));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The identity, or null when <paramref name="sealedText"/> is not one this key sealed for <paramref name="leadId"/>.</summary>
    public string? Open(string leadId, string? sealedText)
    {
        if (sealedText is null) return null;
        var bytes = new byte[sealedText.Length];
        if (!Convert.TryFromBase64String(sealedText, bytes, out var length) || length < 1 + NonceSize + TagSize || bytes[0] != Version) return null;
        var cipherLength = length - 1 - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(bytes.AsSpan(1, NonceSize), bytes.AsSpan(1 + NonceSize, cipherLength), bytes.AsSpan(1 + NonceSize + cipherLength, TagSize), plain, Encoding.UTF8.GetBytes(leadId));
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
