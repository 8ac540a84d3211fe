using System.Globalization;
using Azure.Data.Tables;
using Funnel.App.Stores;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;

namespace Funnel.App.Storage;

/// <summary>
/// The rows of a store's partition (PartitionKey = storeId) and their row keys. Keys sort so that each kind
/// is one contiguous range: "config", "clerk|{id}", "count|{yyyy-MM-dd}|store", "count|{day}|clerk|{id}",
/// "group|{tier}|{seq:0000}", "member|{leadId}", "purchase|{purchaseId}" (a sale rung up here),
/// "credit|{sellingStoreId}|{purchaseId}" (a cross-store credit received here; purchase ids are unique per selling store),
/// "conflict|{purchaseId}|{fingerprint}" (a message that reused a purchase id with other content),
/// and for journeys (see <see cref="JourneyRows"/>): "journey|{leadId}" and "task|{clerkId or -}|{dueTicks}|{leadId}|{taskId}".
/// </summary>
internal static class StoreRows
{
    public const string ConfigKey = "config";
    public const string ClerkPrefix = "clerk|";
    public const string CountPrefix = "count|";
    public const string GroupPrefix = "group|";
    public const string MemberPrefix = "member|";
    public const string PurchasePrefix = "purchase|";
    public const string CreditPrefix = "credit|";
    public const string ConflictPrefix = "conflict|";

    public static string ClerkKey(string clerkId) => ClerkPrefix + clerkId;
    public static string GroupKey(Group g) => $"{GroupPrefix}{g.Tier.Name()}|{g.Sequence:D4}";
    public static string MemberKey(string leadId) => MemberPrefix + leadId;
    public static string PurchaseKey(string purchaseId) => PurchasePrefix + purchaseId;
    public static string CreditKey(string sellingStoreId, string purchaseId) => $"{CreditPrefix}{sellingStoreId}|{purchaseId}";
    public static string ConflictKey(string purchaseId, string fingerprint) => $"{ConflictPrefix}{purchaseId}|{fingerprint}";
    public static string DayPrefix(DateOnly day) => $"{CountPrefix}{day:yyyy-MM-dd}|";
    public static string CounterKeyOf(CounterKey key) => DayPrefix(key.Day) + (key.ClerkId is null ? "store" : "clerk|" + key.ClerkId);

    /// <summary>OData filter for a contiguous range of row keys starting with <paramref name="prefix"/>.</summary>
    public static string PrefixFilter(string storeId, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {storeId} and RowKey ge {prefix} and RowKey lt {prefix + '~'}");

    /// <summary>OData filter for the store's purchase records and cross-store credits that name the lead (as the credited lead or the one whose points the sale earned).</summary>
    public static string SalesOfLeadFilter(string storeId, string leadId) => TableClient.CreateQueryFilter(
        $"PartitionKey eq {storeId} and ((RowKey ge {PurchasePrefix} and RowKey lt {PurchasePrefix + '~'}) or (RowKey ge {CreditPrefix} and RowKey lt {CreditPrefix + '~'})) and (LeadId eq {leadId} or PointsLeadId eq {leadId})");

    public static TableEntity Config(StoreSettings s) => new(s.StoreId, ConfigKey)
    {
        ["Name"] = s.Name,
        ["Region"] = s.Region,
        ["GroupCapacity"] = s.GroupCapacity,
        ["MaxGroupsPerTier"] = s.MaxGroupsPerTier,
        ["TimeZone"] = s.TimeZone,
        ["UpdatedAt"] = s.UpdatedAt,
        ["AttributionWindowDays"] = s.AttributionWindowDays,
        ["Currency"] = s.Currency,
        ["Journey"] = s.Journey?.ToJson(),
        ["PhoneRegion"] = s.PhoneRegion,
    };

    public static StoreSettings ToSettings(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("Name") ?? "",
        e.GetString("Region") ?? "",
        e.GetInt32("GroupCapacity") ?? Core.Stores.StorePolicy.DefaultGroupCapacity,
        e.GetInt32("MaxGroupsPerTier") ?? Core.Stores.StorePolicy.DefaultMaxGroupsPerTier,
        e.GetString("TimeZone") ?? "UTC",
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        e.GetInt32("AttributionWindowDays") ?? StoreSettings.DefaultAttributionWindowDays,
        e.GetString("Currency") ?? StoreSettings.DefaultCurrency,
        e.GetString("Journey") is { } journey ? JourneySettings.FromJson(journey) : null,
        e.GetString("PhoneRegion") ?? Core.Leads.ShopperIdentity.DefaultPhoneRegion);

    public static TableEntity Group(string storeId, Group g) => new(storeId, GroupKey(g))
    {
        ["GroupId"] = g.GroupId,
        ["Tier"] = g.Tier.Name(),
        ["Sequence"] = g.Sequence,
        ["Capacity"] = g.Capacity,
        ["Members"] = g.Members,
    };

    public static Group ToGroup(TableEntity e)
    {
        if (!GroupTiers.TryParse(e.GetString("Tier"), out var tier)) throw new InvalidDataException($"Group row {e.RowKey} has an unknown tier.");
        return new Group(tier, e.GetInt32("Sequence") ?? 0, e.GetInt32("Capacity") ?? 0, e.GetInt32("Members") ?? 0);
    }

    /// <summary>A day's counters; money as invariant decimal strings (Tables has no decimal type, and doubles drift).</summary>
    public static TableEntity Counter(string storeId, CounterKey key, FunnelCounts c) => new(storeId, CounterKeyOf(key))
    {
        ["Day"] = key.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["ClerkId"] = key.ClerkId,
        ["Scans"] = c.Scans,
        ["Leads"] = c.Leads,
        ["Joined"] = c.Joined,
        ["Purchases"] = c.Purchases,
        ["Revenue"] = c.Revenue.ToString(CultureInfo.InvariantCulture),
        ["FirstPurchases"] = c.FirstPurchases,
        ["CrossStorePurchases"] = c.CrossStorePurchases,
        ["StoreSales"] = c.StoreSales,
        ["StoreSalesRevenue"] = c.StoreSalesRevenue.ToString(CultureInfo.InvariantCulture),
        ["TrialsBooked"] = c.TrialsBooked,
        ["TrialsCompleted"] = c.TrialsCompleted,
        ["Questions"] = c.Questions,
        ["QuestionsInTime"] = c.QuestionsInTime,
        ["QuestionsLate"] = c.QuestionsLate,
        ["Complaints"] = c.Complaints,
        ["Refunds"] = c.Refunds,
        ["RefundedAmount"] = c.RefundedAmount.ToString(CultureInfo.InvariantCulture),
        ["PurchaseConflicts"] = c.PurchaseConflicts,
    };

    public static (CounterKey Key, FunnelCounts Counts) ToCounter(TableEntity e) => (
        new CounterKey(DateOnly.ParseExact(e.GetString("Day")!, "yyyy-MM-dd", CultureInfo.InvariantCulture), e.GetString("ClerkId")),
        new FunnelCounts(
            e.GetInt64("Scans") ?? 0,
            e.GetInt64("Leads") ?? 0,
            e.GetInt64("Joined") ?? 0,
            e.GetInt64("Purchases") ?? 0,
            Money(e.GetString("Revenue")),
            e.GetInt64("FirstPurchases") ?? 0,
            e.GetInt64("CrossStorePurchases") ?? 0,
            e.GetInt64("StoreSales") ?? 0,
            Money(e.GetString("StoreSalesRevenue")),
            e.GetInt64("TrialsBooked") ?? 0,
            e.GetInt64("TrialsCompleted") ?? 0,
            e.GetInt64("Questions") ?? 0,
            e.GetInt64("QuestionsInTime") ?? 0,
            e.GetInt64("QuestionsLate") ?? 0,
            e.GetInt64("Complaints") ?? 0,
            e.GetInt64("Refunds") ?? 0,
            Money(e.GetString("RefundedAmount")),
            e.GetInt64("PurchaseConflicts") ?? 0));

    public static decimal Money(string? s) => s is null ? 0 : decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static TableEntity Member(string storeId, Member m) => new(storeId, MemberKey(m.LeadId))
    {
        ["LeadId"] = m.LeadId,
        ["ClerkId"] = m.ClerkId,
        ["CampaignId"] = m.CampaignId,
        ["Channel"] = m.Channel,
        ["FirstScanAt"] = m.FirstScanAt,
        ["LastScanAt"] = m.LastScanAt,
        ["LastClerkId"] = m.LastClerkId,
        ["Groups"] = string.Join(',', m.GroupIds),
        ["Tags"] = string.Join(',', m.Tags),
        ["RecentScanIds"] = string.Join(',', m.RecentScanIds),
        ["FirstScanId"] = m.FirstScanId,
        ["NewToBrand"] = m.NewToBrand,
        ["Purchases"] = m.Purchases,
        ["LastPurchaseAt"] = m.LastPurchaseAt,
        ["KocId"] = m.KocId,
        ["Spent"] = m.Spent.ToString(CultureInfo.InvariantCulture),
        ["LastBroadcastAt"] = m.LastBroadcastAt,
    };

    public static Member ToMember(TableEntity e) => new(
        e.GetString("LeadId") ?? e.RowKey[MemberPrefix.Length..],
        e.GetString("ClerkId"),
        e.GetString("CampaignId"),
        e.GetString("Channel") ?? "",
        e.GetDateTimeOffset("FirstScanAt") ?? default,
        e.GetDateTimeOffset("LastScanAt") ?? default,
        e.GetString("LastClerkId"),
        SplitList(e.GetString("Groups")),
        SplitList(e.GetString("Tags")),
        SplitList(e.GetString("RecentScanIds")),
        e.GetString("FirstScanId"),
        e.GetBoolean("NewToBrand") ?? false,
        e.GetInt32("Purchases") ?? 0,
        e.GetDateTimeOffset("LastPurchaseAt"),
        e.GetString("KocId"),
        Money(e.GetString("Spent")),
        e.GetDateTimeOffset("LastBroadcastAt"));

    private static string[] SplitList(string? s) =>
        string.IsNullOrEmpty(s) ? [] : s.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
