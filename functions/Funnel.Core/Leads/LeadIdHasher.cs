using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.Leads;

/// <summary>
/// A lead id is a keyed hash of the shopper's channel identity (a messaging-app open id, a phone
/// number): stable for the same shopper, unlinkable without the key, and the identity itself is
/// never stored. Identities are trimmed; they are otherwise case-sensitive (open ids are).
/// </summary>
public sealed class LeadIdHasher
{
    public const int MaxShopperIdLength = 256;
    private readonly byte[] _key;

    public LeadIdHasher(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16) throw new ArgumentException("The lead-hash key must be at least 16 bytes.", nameof(key));
        _key = key;
    }

    /// <summary>32 lowercase hex characters (128 bits of HMAC-SHA256).</summary>
    public string LeadIdFor(string shopperId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shopperId);
        var hash = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(shopperId.Trim()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    public static bool LooksLikeLeadId(string? s) =>
        s is { Length: 32 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
