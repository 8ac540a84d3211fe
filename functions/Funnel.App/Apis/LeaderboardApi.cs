using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core;
using Funnel.Core.Funnels;
using Funnel.Core.Stores;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class LeaderboardApi
{
    private const int MaxParallelReads = 16;

    public static IEndpointRouteBuilder MapLeaderboardApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leaderboard", GetLeaderboard).WithName("GetLeaderboard").WithTags("Stores")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq));
        return app;
    }

    /// <summary>
    /// Stores and clerks of a region (or all) ranked by credited net revenue, then conversions. Days are each store's
    /// own local days, as its counters are: <c>from</c>..<c>to</c> are read as local dates in every store, and the
    /// default (the last 30 days) ends at each store's own today. Money is never added across currencies: stores and
    /// clerks are ranked among those of their currency (<c>rank</c> restarts per currency), and the chain's revenue is
    /// one total per currency. Reads each store's counter rows for the range: (1 + clerks) rows per store per day, in
    /// parallel; a chain-wide rollup is the next step when regions reach thousands of stores.
    /// </summary>
    internal static async Task<Results<Ok<LeaderboardResponse>, ValidationProblem>> GetLeaderboard(
        string? region, string? from, string? to, int? days, StoreRepository stores, Lanes.StoreLanes lanes, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("region", region, required: false);
        var now = time.GetUtcNow();
        var (fromDay, toDay) = StoresApi.ParseDays(v, from, to, days, new StorePolicy(1, 1, TimeZoneInfo.Utc), now);
        if (!v.IsValid) return v.Problem();

        var list = await stores.ListAsync(region, cancellationToken);
        var rows = new StoreCounters[list.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var s = list[i];
                var (currency, timeZone) = s.Currency is { } c && s.TimeZone is { } tz ? (c, tz)
                    : await lanes.GetSettingsAsync(s.StoreId, ct) is { } settings ? (settings.Currency, settings.TimeZone)
                    : (StoreSettings.DefaultCurrency, "UTC");
                // The same request, read in the store's time zone: its own today, or the dates given, as its local days.
                var (f, t) = StoresApi.ParseDays(new Validation(), from, to, days, new StorePolicy(1, 1, TimeZones.Find(timeZone)), now);
                var counters = await stores.GetCountersAsync(s.StoreId, f, t, ct);
                rows[i] = new StoreCounters(s.StoreId, s.Name, s.Region, currency, f, t, [.. counters.Select(r => (r.Key, r.Counts))]);
            });

        var storeRanks = rows
            .Select(s => (s, Total: s.Rows.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts)))
            .GroupBy(x => x.s.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.OrderByDescending(x => x.Total.Revenue).ThenByDescending(x => x.Total.Purchases).ThenBy(x => x.s.StoreId, StringComparer.Ordinal)
                .Select((x, i) => new StoreRank(i + 1, x.s.StoreId, x.s.Name, x.s.Region, x.s.Currency, x.Total.Scans, x.Total.Leads, x.Total.Purchases, x.Total.Revenue, x.Total.ConversionRate)))
            .ToList();
        var clerkRanks = rows
            .SelectMany(s => s.Rows.Where(r => r.Key.ClerkId is not null).GroupBy(r => r.Key.ClerkId!)
                .Select(g => (s.StoreId, s.Currency, ClerkId: g.Key, Total: g.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts))))
            .GroupBy(x => x.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => g.OrderByDescending(x => x.Total.Revenue).ThenByDescending(x => x.Total.Purchases)
                .ThenBy(x => x.StoreId, StringComparer.Ordinal).ThenBy(x => x.ClerkId, StringComparer.Ordinal)
                .Select((x, i) => new ClerkRank(i + 1, x.StoreId, x.ClerkId, x.Currency, x.Total.Leads, x.Total.Purchases, x.Total.Revenue, x.Total.ConversionRate)))
            .ToList();
        var chain = rows.SelectMany(s => s.Rows).Aggregate(default(FunnelCounts), (a, r) => a + r.Counts);
        var revenue = rows.GroupBy(s => s.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(s => s.Rows).Sum(r => r.Counts.Revenue), StringComparer.Ordinal);
        var (first, last) = (rows.Length == 0 ? fromDay : rows.Min(r => r.From), rows.Length == 0 ? toDay : rows.Max(r => r.To));
        // The chain's days are each store's local days; revenue per day only when every store sells in one currency.
        var daily = Trend.Of(first, last, rows.SelectMany(s => s.Rows).Select(r => (r.Key.Day, r.Counts)), withRevenue: revenue.Count <= 1);
        return TypedResults.Ok(new LeaderboardResponse(region, first, last, ChainFunnel.From(list.Count, chain, revenue), storeRanks, clerkRanks, daily));
    }

    private sealed record StoreCounters(
        string StoreId, string Name, string Region, string Currency, DateOnly From, DateOnly To, IReadOnlyList<(CounterKey Key, FunnelCounts Counts)> Rows);

    /// <summary><c>from</c>/<c>to</c>: the earliest and latest local day any listed store read (stores in other time zones may be a day apart).</summary>
    internal sealed record LeaderboardResponse(string? Region, DateOnly From, DateOnly To, ChainFunnel Totals, List<StoreRank> Stores, List<ClerkRank> Clerks,
        List<TrendDay> Daily);

    /// <summary>
    /// The funnel of every listed store together (the HQ console's chain-wide funnel), same meanings as a store's;
    /// <c>revenue</c>: net credited revenue per currency (ISO 4217 code → amount), never added across currencies.
    /// </summary>
    internal sealed record ChainFunnel(
        int Stores, long Scans, long Leads, long Joined, long TrialBooked, long TrialCompleted, long Questions, long Complaints,
        long Purchases, IReadOnlyDictionary<string, decimal> Revenue, double? ConversionRate, double? ServiceRate, double? ComplaintRate)
    {
        public static ChainFunnel From(int stores, FunnelCounts c, IReadOnlyDictionary<string, decimal> revenue) =>
            new(stores, c.Scans, c.Leads, c.Joined, c.TrialsBooked, c.TrialsCompleted, c.Questions, c.Complaints,
                c.Purchases, revenue, c.ConversionRate, c.ServiceRate, c.ComplaintRate);
    }

    /// <summary><c>rank</c>: among the stores of the same <c>currency</c>; <c>revenue</c> in that currency, net of refunds.</summary>
    internal sealed record StoreRank(int Rank, string StoreId, string Name, string Region, string Currency, long Scans, long Leads, long Purchases, decimal Revenue, double? ConversionRate);

    internal sealed record ClerkRank(int Rank, string StoreId, string ClerkId, string Currency, long Leads, long Purchases, decimal Revenue, double? ConversionRate);
}
