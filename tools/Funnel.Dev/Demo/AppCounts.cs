using System.Text.Json;

namespace Funnel.Dev.Demo;

/// <summary>A leaderboard row of a demo store.</summary>
internal sealed record StoreRow(string StoreId, string Name, string Region, long Scans, long Leads, long Purchases, decimal Revenue, double? ConversionRate);

internal sealed record ClerkRow(string StoreId, string ClerkId, long Purchases, decimal Revenue);

/// <summary>What the app reports for the demo's stores over a fixed day range: each store's funnel, and the leaderboard.</summary>
internal sealed record AppCounts(IReadOnlyDictionary<string, Tally> Funnels, IReadOnlyList<StoreRow> Stores, IReadOnlyList<ClerkRow> Clerks)
{
    public Tally FunnelTotal => Funnels.Values.Aggregate(default(Tally), Tally.Add);

    /// <summary>The leaderboard's totals as a tally (it has scans, leads, purchases and revenue only).</summary>
    public Tally LeaderboardTotal => new(Stores.Sum(s => s.Scans), Stores.Sum(s => s.Leads), 0, 0, 0, 0, Stores.Sum(s => s.Purchases), Stores.Sum(s => s.Revenue), 0, 0);

    /// <summary>Reads every demo store's funnel and the leaderboard with an hq token; null when a read failed.</summary>
    public static async Task<AppCounts?> ReadAsync(DemoApi api, DemoTokens tokens, IReadOnlyList<ChainStore> stores, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var range = $"from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}";
        var funnels = await Task.WhenAll(stores.Select(s => api.GetAsync($"/api/stores/{s.StoreId}/funnel?{range}", tokens.Hq, ct)));
        var board = await api.GetAsync($"/api/leaderboard?{range}", tokens.Hq, ct);
        if (!board.Ok || funnels.Any(f => !f.Ok)) return null;

        var ids = stores.Select(s => s.StoreId).ToHashSet(StringComparer.Ordinal);
        var storeRows = board.Body.GetProperty("stores").EnumerateArray()
            .Where(s => ids.Contains(s.GetProperty("storeId").GetString()!))
            .Select(s => new StoreRow(s.GetProperty("storeId").GetString()!, s.GetProperty("name").GetString()!, s.GetProperty("region").GetString()!,
                s.GetProperty("scans").GetInt64(), s.GetProperty("leads").GetInt64(), s.GetProperty("purchases").GetInt64(), s.GetProperty("revenue").GetDecimal(),
                s.TryGetProperty("conversionRate", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : null))
            .ToList();
        var clerkRows = board.Body.GetProperty("clerks").EnumerateArray()
            .Where(c => ids.Contains(c.GetProperty("storeId").GetString()!))
            .Select(c => new ClerkRow(c.GetProperty("storeId").GetString()!, c.GetProperty("clerkId").GetString()!, c.GetProperty("purchases").GetInt64(), c.GetProperty("revenue").GetDecimal()))
            .ToList();
        var byStore = stores.Zip(funnels).ToDictionary(p => p.First.StoreId, p => FromFunnel(p.Second.Body), StringComparer.Ordinal);
        return new AppCounts(byStore, storeRows, clerkRows);
    }

    private static Tally FromFunnel(JsonElement f) => new(
        f.GetProperty("scans").GetInt64(), f.GetProperty("leads").GetInt64(), f.GetProperty("trialBooked").GetInt64(), f.GetProperty("trialCompleted").GetInt64(),
        f.GetProperty("questions").GetInt64(), f.GetProperty("complaints").GetInt64(), f.GetProperty("purchases").GetInt64(), f.GetProperty("revenue").GetDecimal(),
        f.GetProperty("storeSales").GetInt64(), f.GetProperty("storeSalesRevenue").GetDecimal());

    /// <summary>What changed between two readings, per store (a second run on the same storage compares only its own traffic).</summary>
    public static Dictionary<string, Tally> Delta(AppCounts before, AppCounts after) =>
        after.Funnels.ToDictionary(kv => kv.Key, kv => kv.Value - before.Funnels.GetValueOrDefault(kv.Key), StringComparer.Ordinal);
}
