namespace Funnel.Core.Funnels;

/// <summary>
/// The counted parts of a funnel for one counter row (a clerk's or the store's own, for one day).
/// Scans: every scan. Leads: shoppers whose first scan at this store it was. Joined: seats given.
/// Purchases / Revenue: purchases credited to this store's community (its leads buying here, or elsewhere
/// as cross-store conversions), of which FirstPurchases were the lead's first and CrossStorePurchases
/// were made at another store. StoreSales / StoreSalesRevenue: every sale rung up at this store, credited or not.
/// </summary>
public readonly record struct FunnelCounts(
    long Scans,
    long Leads,
    long Joined,
    long Purchases = 0,
    decimal Revenue = 0,
    long FirstPurchases = 0,
    long CrossStorePurchases = 0,
    long StoreSales = 0,
    decimal StoreSalesRevenue = 0)
{
    public static FunnelCounts operator +(FunnelCounts a, FunnelCounts b) => new(
        a.Scans + b.Scans,
        a.Leads + b.Leads,
        a.Joined + b.Joined,
        a.Purchases + b.Purchases,
        a.Revenue + b.Revenue,
        a.FirstPurchases + b.FirstPurchases,
        a.CrossStorePurchases + b.CrossStorePurchases,
        a.StoreSales + b.StoreSales,
        a.StoreSalesRevenue + b.StoreSalesRevenue);

    public long Repurchases => Purchases - FirstPurchases;

    /// <summary>Leads who bought for the first time ÷ new leads, over the same days; null without leads.</summary>
    public double? ConversionRate => Leads == 0 ? null : Math.Round((double)FirstPurchases / Leads, 4);
}

/// <summary>
/// Which counter row a count belongs to: one clerk's for a day, or (ClerkId null) the store's own for a day.
/// A store's total for a day is the sum of that day's rows: every event is counted on exactly one row.
/// </summary>
public readonly record struct CounterKey(DateOnly Day, string? ClerkId);
