namespace Funnel.Core.Funnels;

/// <summary>
/// The counted parts of a funnel for one counter row (a clerk's or the store's own, for one day).
/// Scans: every scan. Leads: shoppers whose first scan at this store it was. Joined: seats given.
/// Purchases / Revenue: purchases credited to this store's community (its leads buying here, or elsewhere
/// as cross-store conversions), of which FirstPurchases were the lead's first and CrossStorePurchases
/// were made at another store. StoreSales / StoreSalesRevenue: every sale rung up at this store, credited or not.
/// Both revenues are net: a refund takes its amount back on the sale's day and row (and its credit's). Refunds /
/// RefundedAmount: refunds of sales rung up here, on the refunded sale's day. PurchaseConflicts: messages that reused a
/// purchase id with other content (not counted as sales; in the poison queue with the reason).
/// Journeys: TrialsBooked, TrialsCompleted, Questions asked, QuestionsInTime / QuestionsLate (answered by the
/// deadline, or breached), Complaints.
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
    decimal StoreSalesRevenue = 0,
    long TrialsBooked = 0,
    long TrialsCompleted = 0,
    long Questions = 0,
    long QuestionsInTime = 0,
    long QuestionsLate = 0,
    long Complaints = 0,
    long Refunds = 0,
    decimal RefundedAmount = 0,
    long PurchaseConflicts = 0)
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
        a.StoreSalesRevenue + b.StoreSalesRevenue,
        a.TrialsBooked + b.TrialsBooked,
        a.TrialsCompleted + b.TrialsCompleted,
        a.Questions + b.Questions,
        a.QuestionsInTime + b.QuestionsInTime,
        a.QuestionsLate + b.QuestionsLate,
        a.Complaints + b.Complaints,
        a.Refunds + b.Refunds,
        a.RefundedAmount + b.RefundedAmount,
        a.PurchaseConflicts + b.PurchaseConflicts);

    public long Repurchases => Purchases - FirstPurchases;

    /// <summary>Leads who bought for the first time ÷ new leads, over the same days; null without leads.</summary>
    public double? ConversionRate => Rate.Of(FirstPurchases, Leads);

    /// <summary>Questions answered by their deadline ÷ questions answered or breached; null before any came due.</summary>
    public double? ServiceRate => Rate.Of(QuestionsInTime, QuestionsInTime + QuestionsLate);

    /// <summary>Complaints ÷ new leads over the same days; null without leads.</summary>
    public double? ComplaintRate => Rate.Of(Complaints, Leads);

    /// <summary>The count a journey metric (<see cref="Journeys.CountMetric"/>) adds.</summary>
    public static FunnelCounts Of(Journeys.FunnelMetric metric) => metric switch
    {
        Journeys.FunnelMetric.TrialBooked => new FunnelCounts(0, 0, 0, TrialsBooked: 1),
        Journeys.FunnelMetric.TrialCompleted => new FunnelCounts(0, 0, 0, TrialsCompleted: 1),
        Journeys.FunnelMetric.Question => new FunnelCounts(0, 0, 0, Questions: 1),
        Journeys.FunnelMetric.QuestionInTime => new FunnelCounts(0, 0, 0, QuestionsInTime: 1),
        Journeys.FunnelMetric.QuestionLate => new FunnelCounts(0, 0, 0, QuestionsLate: 1),
        Journeys.FunnelMetric.Complaint => new FunnelCounts(0, 0, 0, Complaints: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "A funnel metric without a count: add it here."),
    };
}

/// <summary>
/// Which counter row a count belongs to: one clerk's for a day, or (ClerkId null) the store's own for a day.
/// A store's total for a day is the sum of that day's rows: every event is counted on exactly one row.
/// </summary>
public readonly record struct CounterKey(DateOnly Day, string? ClerkId);
