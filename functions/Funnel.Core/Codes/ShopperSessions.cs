using System.Globalization;
using System.Text;
using Funnel.Core.Leads;

namespace Funnel.Core.Codes;

/// <summary>Who a shopper session speaks for: one lead at one store, until it expires.</summary>
public sealed record ShopperSession(string LeadId, string StoreId, DateTimeOffset ExpiresAt);

/// <summary>
/// The short-lived, signed session a scan (or, later, the messaging app's callback) hands the shopper it identified:
/// what the shopper's own actions (questions, bookings, complaints, opt-out) are sent with. Funnel's token format
/// (<see cref="SignedTokens"/>) with domain "session|", so a session never passes for a code or a share link.
/// </summary>
public sealed class ShopperSessions(SigningKeys keys)
{
    private const int MaxLength = 512;
    private readonly SignedTokens _tokens = new(keys, "session|");

    public string Issue(ShopperSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _tokens.Seal(Encoding.UTF8.GetBytes(string.Join('|', session.LeadId, session.StoreId,
            session.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))));
    }

    /// <summary>Verifies signature and expiry; on failure <paramref name="error"/> says what the shopper can do.</summary>
    public bool TryOpen(string? token, DateTimeOffset now, out ShopperSession? session, out string error)
    {
        session = null;
        byte[] payload = [];
        var check = string.IsNullOrEmpty(token) || token.Length > MaxLength ? TokenCheck.Malformed : _tokens.Open(token, out payload);
        if (check != TokenCheck.Valid)
        {
            error = check switch
            {
                TokenCheck.Forged => "The shopper session's signature does not match: it was altered or not issued by this Funnel. Scan the store's code again.",
                TokenCheck.UnknownKey => "The shopper session was signed with a key this Funnel no longer accepts. Scan the store's code again.",
                _ => "The shopper session is not in Funnel's format. Send the 'session' a scan answered, in the X-Shopper-Session header.",
            };
            return false;
        }
        var fields = Encoding.UTF8.GetString(payload).Split('|');
        if (fields.Length != 3 || !LeadIdHasher.LooksLikeLeadId(fields[0]) || !Ids.IsValid(fields[1]) ||
            !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            error = "The shopper session is signed but its content is not understood by this version of Funnel. Scan the store's code again.";
            return false;
        }
        var opened = new ShopperSession(fields[0], fields[1], DateTimeOffset.FromUnixTimeSeconds(expires));
        if (opened.ExpiresAt <= now)
        {
            error = $"The shopper session expired at {opened.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Scan the store's code again to continue.";
            return false;
        }
        session = opened;
        error = "";
        return true;
    }
}
