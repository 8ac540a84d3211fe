using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.Codes;

/// <summary>What opening a token found.</summary>
internal enum TokenCheck
{
    /// <summary>Not "base64url.base64url".</summary>
    Malformed,

    /// <summary>Well formed, but the signature is not this key's for this domain (altered, or issued elsewhere).</summary>
    Forged,

    Valid,
}

/// <summary>
/// The one token format of Funnel's signed strings (QR codes, share links): base64url(payload) "." base64url(first
/// 16 bytes of HMAC-SHA256(key, domain + payload)). The domain keeps tokens of one purpose from passing for another
/// signed with the same key.
/// </summary>
internal sealed class SignedTokens(byte[] key, string domain)
{
    private const int TagBytes = 16;
    private readonly byte[] _domain = Encoding.UTF8.GetBytes(domain);

    public string Seal(byte[] payload) => $"{Base64Url.Encode(payload)}.{Base64Url.Encode(Tag(payload))}";

    public TokenCheck Open(string text, out byte[] payload)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !Base64Url.TryDecode(text[..dot], out payload) || !Base64Url.TryDecode(text[(dot + 1)..], out var tag))
        {
            payload = [];
            return TokenCheck.Malformed;
        }
        return CryptographicOperations.FixedTimeEquals(tag, Tag(payload)) ? TokenCheck.Valid : TokenCheck.Forged;
    }

    private byte[] Tag(byte[] payload)
    {
        var message = new byte[_domain.Length + payload.Length];
        _domain.CopyTo(message, 0);
        payload.CopyTo(message, _domain.Length);
        return HMACSHA256.HashData(key, message)[..TagBytes];
    }
}
