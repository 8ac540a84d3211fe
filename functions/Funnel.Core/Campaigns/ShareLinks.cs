using System.Globalization;
using System.Text;
using Funnel.Core.Codes;

namespace Funnel.Core.Campaigns;

/// <summary>What a share link carries: the asset, the store and clerk who shared it, the lead it was sent to (if known), and when it expires.</summary>
public sealed record ShareLink(string CampaignId, string AssetId, string StoreId, string? ClerkId, string? LeadId, DateTimeOffset ExpiresAt);

/// <summary>
/// Signed, self-contained share tokens in Funnel's token format (<see cref="SignedTokens"/>), domain "share|", so a
/// share token can never pass for a QR code signed with the same key (or the reverse).
/// </summary>
public sealed class ShareLinks(SigningKeys keys)
{
    private readonly SignedTokens _tokens = new(keys, "share|");

    public ShareLinks(byte[] key) : this(SigningKeys.Legacy(key))
    {
    }

    public string Sign(ShareLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var payload = Encoding.UTF8.GetBytes(string.Join('|', link.CampaignId, link.AssetId, link.StoreId, link.ClerkId, link.LeadId,
            link.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        return _tokens.Seal(payload);
    }

    /// <summary>Verifies signature and expiry; on failure <paramref name="error"/> says why, in words for the person who clicked.</summary>
    public bool TryVerify(string? token, DateTimeOffset now, out ShareLink? link, out string error)
    {
        link = null;
        byte[] payload = [];
        var check = token is null || token.IndexOf('.', StringComparison.Ordinal) > 1024 ? TokenCheck.Malformed : _tokens.Open(token, out payload);
        if (check != TokenCheck.Valid)
        {
            error = check switch
            {
                TokenCheck.Forged => "This share link has been altered or was not issued by Funnel.",
                TokenCheck.UnknownKey => "This share link was signed with a key Funnel no longer accepts; ask the store for a new one.",
                _ => "This link is not a Funnel share link.",
            };
            return false;
        }
        var fields = Encoding.UTF8.GetString(payload).Split('|');
        if (fields.Length != 6 || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            error = "This share link is malformed.";
            return false;
        }
        link = new ShareLink(fields[0], fields[1], fields[2], Empty(fields[3]), Empty(fields[4]), DateTimeOffset.FromUnixTimeSeconds(expires));
        if (link.ExpiresAt <= now)
        {
            error = $"This share link expired at {link.ExpiresAt:yyyy-MM-dd HH:mm} UTC; ask the store for a new one.";
            link = null;
            return false;
        }
        error = "";
        return true;
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;
}
