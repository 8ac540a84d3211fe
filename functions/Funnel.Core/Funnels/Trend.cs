namespace Funnel.Core.Funnels;

/// <summary>One day of a funnel's trend: what the day's counter rows hold. <see cref="Revenue"/> is null where it would add currencies.</summary>
public sealed record TrendDay(DateOnly Day, long Scans, long Joined, long TrialsCompleted, long Purchases, decimal? Revenue);

/// <summary>
/// A funnel's daily trend over a period, from the counter rows the funnel already read (a store has 1 + clerks rows a
/// day, so a period of at most a year is a bounded read): one entry per day from <c>from</c> to <c>to</c>, days
/// without rows as zeros, so a chart's x-axis is the calendar.
/// </summary>
public static class Trend
{
    public const int MaxDays = 366;

    public static List<TrendDay> Of(DateOnly from, DateOnly to, IEnumerable<(DateOnly Day, FunnelCounts Counts)> rows, bool withRevenue = true)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var byDay = rows.GroupBy(r => r.Day).ToDictionary(g => g.Key, g => g.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts));
        var days = new List<TrendDay>();
        for (var day = from; day <= to && days.Count < MaxDays; day = day.AddDays(1))
        {
            var c = byDay.GetValueOrDefault(day);
            days.Add(new TrendDay(day, c.Scans, c.Joined, c.TrialsCompleted, c.Purchases, withRevenue ? c.Revenue : null));
        }
        return days;
    }
}
