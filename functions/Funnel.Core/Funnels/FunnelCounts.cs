namespace Funnel.Core.Funnels;

/// <summary>
/// The counted parts of a funnel for one store (or one clerk) and one day.
/// Scans: every scan. Leads: shoppers whose first scan at this store it was. Joined: seats given.
/// </summary>
public readonly record struct FunnelCounts(long Scans, long Leads, long Joined)
{
    public static FunnelCounts operator +(FunnelCounts a, FunnelCounts b) =>
        new(a.Scans + b.Scans, a.Leads + b.Leads, a.Joined + b.Joined);

    public bool IsZero => Scans == 0 && Leads == 0 && Joined == 0;
}

/// <summary>
/// Which counter row a count belongs to: one clerk's for a day, or (ClerkId null) the store's own codes' for a day.
/// A store's total for a day is the sum of that day's rows: every scan is counted on exactly one row.
/// </summary>
public readonly record struct CounterKey(DateOnly Day, string? ClerkId);
