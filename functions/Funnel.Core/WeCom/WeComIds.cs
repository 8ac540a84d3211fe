using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.WeCom;

/// <summary>The ids Funnel derives for WeCom: a code's contact-way state, a customer's identity, a callback's scan id.</summary>
public static class WeComIds
{
    /// <summary>WeCom's limit on a contact way's <c>state</c>.</summary>
    public const int MaxStateLength = 30;

    /// <summary>
    /// The <c>state</c> of the "contact me" way made for <paramref name="code"/>: "fn" and 24 hex digits of its SHA-256
    /// (26 characters; a code itself is far longer than WeCom's 30). The same code always gets the same state.
    /// </summary>
    public static string StateFor(string code) => "fn" + Hex(code)[..24];

    /// <summary>The shopper identity of a WeCom customer (external user id), hashed into a lead id like a phone number.</summary>
    public static string Identity(string externalUserId) => "wecom:" + externalUserId;

    /// <summary>
    /// The lead id of a WeCom customer, as a scan of <see cref="Identity"/> makes it. An external user id has letters,
    /// so the phone region never reads it: any store's normalisation gives this identity.
    /// </summary>
    public static string LeadIdFor(Leads.LeadIdHasher hasher, string externalUserId)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        return hasher.LeadIdFor(Leads.ShopperIdentity.Normalize(Identity(externalUserId), Leads.ShopperIdentity.DefaultPhoneRegion));
    }

    /// <summary>
    /// The scan id of a customer-added callback: the same for WeCom's retries of the event, so the scan (its seat, its
    /// counter, its journey event) happens once however often WeCom delivers it.
    /// </summary>
    public static string ScanIdFor(CallbackMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return "wecom-" + Hex(message.Key)[..32];
    }

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
