using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.Codes;

/// <summary>What opening a token found.</summary>
internal enum TokenCheck
{
    /// <summary>Not "base64url.base64url" or "keyId.base64url.base64url".</summary>
    Malformed,

    /// <summary>Well formed, but the signature is not this key's for this domain (altered, or issued elsewhere).</summary>
    Forged,

    /// <summary>Well formed, but signed with a key id this Funnel does not hold (retired, or never issued here).</summary>
    UnknownKey,

    Valid,
}

/// <summary>
/// The one token format of Funnel's signed strings (QR codes, share links, shopper sessions):
/// [keyId "."] base64url(payload) "." base64url(first 16 bytes of HMAC-SHA256(key, domain + [keyId "."] + payload)).
/// The domain keeps tokens of one purpose from passing for another signed with the same key. A token signed with the
/// legacy key (<see cref="SigningKeys.LegacyId"/>) carries no key id: the format codes were printed in before keys had ids.
/// </summary>
internal sealed class SignedTokens(SigningKeys keys, string domain)
{
    private const int TagBytes = 16;
    private readonly byte[] _domain = Encoding.UTF8.GetBytes(domain);

    public string Seal(byte[] payload)
    {
        var id = keys.CurrentId;
        var body = $"{Base64Url.Encode(payload)}.{Base64Url.Encode(Tag(keys.Current, id, payload))}";
        return id == SigningKeys.LegacyId ? body : $"{id}.{body}";
    }

    public TokenCheck Open(string text, out byte[] payload)
    {
        payload = [];
        var parts = text.Split('.');
        var id = parts.Length == 3 ? parts[0] : SigningKeys.LegacyId;
        if (parts.Length is not (2 or 3) || (parts.Length == 3 && (id == SigningKeys.LegacyId || !SigningKeys.IsValidId(id))) ||
            !Base64Url.TryDecode(parts[^2], out var body) || !Base64Url.TryDecode(parts[^1], out var tag) || parts[^2].Length == 0)
        {
            return TokenCheck.Malformed;
        }
        if (!keys.TryGet(id, out var key)) return TokenCheck.UnknownKey;
        if (!CryptographicOperations.FixedTimeEquals(tag, Tag(key, id, body))) return TokenCheck.Forged;
        payload = body;
        return TokenCheck.Valid;
    }

    private byte[] Tag(byte[] key, string id, byte[] payload)
    {
        var prefix = id == SigningKeys.LegacyId ? [] : Encoding.ASCII.GetBytes(id + ".");
        var message = new byte[_domain.Length + prefix.Length + payload.Length];
        _domain.CopyTo(message, 0);
        prefix.CopyTo(message, _domain.Length);
        payload.CopyTo(message, _domain.Length + prefix.Length);
        return HMACSHA256.HashData(key, message)[..TagBytes];
    }
}
