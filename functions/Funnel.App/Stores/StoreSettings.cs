using Funnel.Core.Stores;

namespace Funnel.App.Stores;

/// <summary>A store as HQ set it up.</summary>
internal sealed record StoreSettings(
    string StoreId,
    string Name,
    string Region,
    int GroupCapacity,
    int MaxGroupsPerTier,
    string TimeZone,
    DateTimeOffset UpdatedAt,
    int AttributionWindowDays = StoreSettings.DefaultAttributionWindowDays,
    string Currency = StoreSettings.DefaultCurrency,
    JourneySettings? Journey = null,
    string PhoneRegion = Core.Leads.ShopperIdentity.DefaultPhoneRegion)
{
    public const int DefaultAttributionWindowDays = 30;
    public const int MaxAttributionWindowDays = 365;
    public const string DefaultCurrency = "CNY";

    public StorePolicy Policy => new(GroupCapacity, MaxGroupsPerTier, TimeZones.Find(TimeZone)) { CohortCapacity = JourneyOrDefaults.CohortCapacity };

    public JourneySettings JourneyOrDefaults => Journey ?? JourneySettings.Defaults;

    public Core.Journeys.JourneyPolicy JourneyPolicy => JourneyOrDefaults.Policy(TimeZones.Find(TimeZone));

    public TimeSpan AttributionWindow => TimeSpan.FromDays(AttributionWindowDays);

    /// <summary>Why a sale in <paramref name="currency"/> cannot be this store's; null when it can. One rule for the HTTP check and the handler.</summary>
    public string? CurrencyRefusal(string currency) =>
        currency == Currency ? null : $"Store '{StoreId}' sells in {Currency}; this sale is in {currency}.";

    /// <summary>The identity a shopper gave here, as it is hashed: a phone number in E.164, read in this store's country.</summary>
    public string ShopperIdentity(string shopperId) => Core.Leads.ShopperIdentity.Normalize(shopperId, PhoneRegion);
}

internal static class TimeZones
{
    public static bool TryFind(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    public static TimeZoneInfo Find(string id) => TryFind(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
