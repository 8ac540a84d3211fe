using PhoneNumbers;

namespace Funnel.Core.Leads;

/// <summary>
/// The one spelling of a shopper identity that is hashed into a lead id. A phone number, however it was typed
/// ("+86 138 0013 8000", "138-0013-8000", "0086 13800138000"), becomes E.164 ("+8613800138000"), read in the store's
/// country when it has no country code, so a scan and a till's sale of the same person meet. Anything that is not a
/// valid phone number there (a messaging app's open id, a nickname) is only trimmed, and stays case-sensitive: a
/// nickname is not an identity, two shoppers who type the same one become one lead.
/// </summary>
public static class ShopperIdentity
{
    public const string DefaultPhoneRegion = "CN";

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    public static bool IsSupportedRegion(string? region) => region is { Length: 2 } && Phones.GetSupportedRegions().Contains(region);

    public static string Normalize(string shopperId, string phoneRegion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shopperId);
        var trimmed = shopperId.Trim();
        if (!LooksLikePhone(trimmed)) return trimmed;
        try
        {
            var number = Phones.Parse(trimmed, phoneRegion);
            return Phones.IsValidNumber(number) ? Phones.Format(number, PhoneNumberFormat.E164) : trimmed;
        }
        catch (NumberParseException)
        {
            return trimmed;
        }
    }

    /// <summary>Digits with the usual punctuation only: open ids and nicknames (letters) are never read as numbers.</summary>
    private static bool LooksLikePhone(string s) =>
        s.Count(char.IsAsciiDigit) >= 5 && s.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.');
}
