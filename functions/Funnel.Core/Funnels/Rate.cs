namespace Funnel.Core.Funnels;

/// <summary>The one way Funnel states a rate: a part of a whole, to four decimals; null when the whole is none (no data, not 0 %).</summary>
public static class Rate
{
    public static double? Of(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);
}
