namespace Funnel.Core.Kocs;

/// <summary>
/// A KOC's month at one store (store-local month). Recruited: leads new to the store who joined through the KOC's code
/// while the KOC had room (OverQuota: those who came when the quota was full and went to the store instead).
/// Purchases / Revenue: purchases credited to the store whose buyer the KOC recruited; Conversions: recruits whose first
/// such purchase it was. Questions the KOC's recruits asked, answered by their deadline (QuestionsInTime) or breached
/// (QuestionsLate), and complaints they made.
/// </summary>
public readonly record struct KocCard(
    long Recruited = 0,
    long OverQuota = 0,
    long Purchases = 0,
    long Conversions = 0,
    decimal Revenue = 0,
    long QuestionsInTime = 0,
    long QuestionsLate = 0,
    long Complaints = 0)
{
    public static KocCard operator +(KocCard a, KocCard b) => new(
        a.Recruited + b.Recruited, a.OverQuota + b.OverQuota, a.Purchases + b.Purchases, a.Conversions + b.Conversions, a.Revenue + b.Revenue,
        a.QuestionsInTime + b.QuestionsInTime, a.QuestionsLate + b.QuestionsLate, a.Complaints + b.Complaints);

    /// <summary>Recruits converted ÷ recruits, in the month; null without recruits.</summary>
    public double? ConversionRate => Funnels.Rate.Of(Conversions, Recruited);

    /// <summary>Questions answered by their deadline ÷ questions that came due; null before any did.</summary>
    public double? ServiceRate => Funnels.Rate.Of(QuestionsInTime, QuestionsInTime + QuestionsLate);

    /// <summary>Complaints ÷ recruits; null without recruits.</summary>
    public double? ComplaintRate => Funnels.Rate.Of(Complaints, Recruited);
}
