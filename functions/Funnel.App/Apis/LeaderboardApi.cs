using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.Core;
using Funnel.Core.Funnels;
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
    /// Stores and clerks of a region (or all) ranked by credited revenue, then conversions, over UTC days
    /// from..to (default: the last 30). Reads each store's counter rows for the range: (1 + clerks) rows per store
    /// per day, in parallel; a chain-wide rollup is the next step when regions reach thousands of stores.
    /// </summary>
    internal static async Task<Results<Ok<LeaderboardResponse>, ValidationProblem>> GetLeaderboard(
        string? region, string? from, string? to, int? days, StoreRepository stores, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("region", region, required: false);
        var (fromDay, toDay) = StoresApi.ParseDays(v, from, to, days, new Core.Stores.StorePolicy(1, 1, TimeZoneInfo.Utc), time.GetUtcNow());
        if (!v.IsValid) return v.Problem();

        var list = await stores.ListAsync(region, cancellationToken);
        var rows = new (string StoreId, string Name, string Region, IReadOnlyList<(CounterKey Key, FunnelCounts Counts)> Rows)[list.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads, CancellationToken = cancellationToken },
            async (i, ct) => rows[i] = (list[i].StoreId, list[i].Name, list[i].Region, (await stores.GetCountersAsync(list[i].StoreId, fromDay, toDay, ct)).Select(r => (r.Key, r.Counts)).ToList()));

        var storeRanks = rows
            .Select(s => (s, Total: s.Rows.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts)))
            .OrderByDescending(x => x.Total.Revenue).ThenByDescending(x => x.Total.Purchases).ThenBy(x => x.s.StoreId, StringComparer.Ordinal)
            .Select((x, i) => new StoreRank(i + 1, x.s.StoreId, x.s.Name, x.s.Region, x.Total.Scans, x.Total.Leads, x.Total.Purchases, x.Total.Revenue, x.Total.ConversionRate))
            .ToList();
        var clerkRanks = rows
            .SelectMany(s => s.Rows.Where(r => r.Key.ClerkId is not null).GroupBy(r => r.Key.ClerkId!)
                .Select(g => (s.StoreId, ClerkId: g.Key, Total: g.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts))))
            .OrderByDescending(x => x.Total.Revenue).ThenByDescending(x => x.Total.Purchases).ThenBy(x => x.StoreId, StringComparer.Ordinal).ThenBy(x => x.ClerkId, StringComparer.Ordinal)
            .Select((x, i) => new ClerkRank(i + 1, x.StoreId, x.ClerkId, x.Total.Leads, x.Total.Purchases, x.Total.Revenue, x.Total.ConversionRate))
            .ToList();
        var chain = rows.SelectMany(s => s.Rows).Aggregate(default(FunnelCounts), (a, r) => a + r.Counts);
        return TypedResults.Ok(new LeaderboardResponse(region, fromDay, toDay, ChainFunnel.From(list.Count, chain), storeRanks, clerkRanks));
    }

    internal sealed record LeaderboardResponse(string? Region, DateOnly From, DateOnly To, ChainFunnel Totals, List<StoreRank> Stores, List<ClerkRank> Clerks);

    /// <summary>The funnel of every listed store together (the HQ console's chain-wide funnel), same meanings as a store's.</summary>
    internal sealed record ChainFunnel(
        int Stores, long Scans, long Leads, long Joined, long TrialBooked, long TrialCompleted, long Questions, long Complaints,
        long Purchases, decimal Revenue, double? ConversionRate, double? ServiceRate, double? ComplaintRate)
    {
        public static ChainFunnel From(int stores, FunnelCounts c) =>
            new(stores, c.Scans, c.Leads, c.Joined, c.TrialsBooked, c.TrialsCompleted, c.Questions, c.Complaints,
                c.Purchases, c.Revenue, c.ConversionRate, c.ServiceRate, c.ComplaintRate);
    }

    internal sealed record StoreRank(int Rank, string StoreId, string Name, string Region, long Scans, long Leads, long Purchases, decimal Revenue, double? ConversionRate);

    internal sealed record ClerkRank(int Rank, string StoreId, string ClerkId, long Leads, long Purchases, decimal Revenue, double? ConversionRate);
}
