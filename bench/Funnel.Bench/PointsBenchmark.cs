using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// The points ledger: storage requests an award adds to the event that causes it (a new lead's scan, with and without
/// a joining award, in the same run), and redemptions on one hot lead, alone and with N clients at once (none may
/// overdraw: the balance at the end is checked against what was applied), then awards as purchases and journey events
/// make them, end to end (<see cref="PointsFlowBenchmark"/>).
/// </summary>
internal static class PointsBenchmark
{
    public static async Task RunAsync(BenchOptions options)
    {
        Console.Error.WriteLine($"points benchmark: {options.Clients} clients, {options.PhaseDuration.TotalSeconds} s a phase");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string> { ["Triggers__LocalRunner"] = "true", ["Triggers__MaxPollingIntervalMs"] = "100" });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2 }) { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        (await http.PutAsJsonAsync("/api/stores/s0", new { name = "s0", region = "bench", groupCapacity = 200, maxGroups = 500 })).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync("/api/stores/s0/clerks/c0", new { name = "c0" })).EnsureSuccessStatusCode();
        var code = (await (await http.PostAsJsonAsync("/api/stores/s0/codes", new { clerkId = "c0", channel = "till" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        Func<int, long, Task<bool>> scan = async (c, i) =>
        {
            using var response = await http.PostAsJsonAsync("/api/scans", new { code, shopperId = $"shopper-{Guid.NewGuid():N}" });
            return response.IsSuccessStatusCode;
        };
        await Load.RunAsync(4, TimeSpan.FromSeconds(3), scan); // warm-up: JIT, connections, the lane's cache

        // Requests per award: the same new-lead scan before the rules take effect, and after (joining earns 10).
        var quiet = options with { Clients = 4, PhaseDuration = TimeSpan.FromSeconds(8) };
        var plain = await PhaseAsync(http, "new lead's scan, no points", quiet, scan);
        (await http.PutAsJsonAsync("/api/programme/points", new { joining = 10, trialCompleted = 20, perUnitAmount = 1 })).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(31)); // rules take effect 30 s after they are saved
        var awarded = await PhaseAsync(http, "new lead's scan, joining earns 10", quiet, scan);

        // One hot lead with 100,000 points (a purchase through the queue), then redemptions of 1 point each.
        var hot = await (await http.PostAsJsonAsync("/api/scans", new { code, shopperId = "hot-shopper" })).Content.ReadFromJsonAsync<JsonElement>();
        var leadId = hot.GetProperty("leadId").GetString()!;
        using var shopper = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2 }) { BaseAddress = new Uri(app.BaseUrl) };
        shopper.DefaultRequestHeaders.Add("X-Shopper-Session", hot.GetProperty("session").GetString());
        using var pos = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        pos.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("pos", "s0"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        (await pos.PostAsJsonAsync("/api/purchases", new
        {
            purchaseId = "hot-1", storeId = "s0", shopperId = "hot-shopper", amount = 100_000m, currency = "CNY",
            items = new[] { new { sku = "GIFT", qty = 1, price = 100_000m } }, purchasedAt = DateTimeOffset.UtcNow,
        })).EnsureSuccessStatusCode();
        var start = await BalanceAsync(shopper, leadId);
        for (var i = 0; i < 120 && start.Balance < 100_000; i++)
        {
            await Task.Delay(500);
            start = await BalanceAsync(shopper, leadId);
        }
        long applied = 0, refused = 0;
        Func<int, long, Task<bool>> redeem = async (c, i) =>
        {
            using var response = await shopper.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = $"r-{c}-{i}-{Guid.NewGuid():N}", points = 1, reason = "bench" });
            if (response.StatusCode == HttpStatusCode.Created) Interlocked.Increment(ref applied);
            else if (response.StatusCode == HttpStatusCode.Conflict) Interlocked.Increment(ref refused);
            return response.StatusCode == HttpStatusCode.Created;
        };
        var alone = await PhaseAsync(http, "redemption, one client", options with { Clients = 1, PhaseDuration = TimeSpan.FromSeconds(8) }, redeem);
        var contended = await PhaseAsync(http, $"redemption, {options.Clients} clients on one lead", options, redeem);
        var end = await BalanceAsync(shopper, leadId);
        var consistent = end.Balance == start.Balance - applied && end.Spent == applied && end.Balance >= 0;
        var flows = await PointsFlowBenchmark.RunAsync(azurite, app, http, code, options.Leads, options.Clients);

        Console.WriteLine();
        Console.WriteLine($"Points benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| operation | per s | p50 ms | p99 ms | failed | app storage requests each |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var p in new[] { plain, awarded, alone, contended })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {p.Name} | {p.Load.PerSecond:F0} | {p.Load.P50:F1} | {p.Load.P99:F1} | {p.Load.Failures} | {p.App:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine();
        Console.WriteLine($"Awards as events make them ({options.Leads} leads, {options.Clients} clients; done when the ledger holds every award):");
        Console.WriteLine();
        Console.WriteLine("| event | awards | seconds | awards per s | app requests an event | engine requests an event |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var f in flows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Awards} | {f.Elapsed.TotalSeconds:F1} | {f.PerSecond:F1} | {f.AppPerEvent:F2} | {f.EnginePerEvent:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Requests a joining award adds to its scan: {awarded.App - plain.App:F2}. Redemptions applied {applied}, refused {refused}; balance {start.Balance} → {end.Balance}, spent {end.Spent}: {(consistent ? "consistent, never overdrawn" : "INCONSISTENT")}. App peak memory (VmHWM): {app.PeakMemoryMb():F0} MB."));
    }

    private sealed record Phase(string Name, Load.Result Load, double App);

    private static async Task<Phase> PhaseAsync(HttpClient http, string name, BenchOptions options, Func<int, long, Task<bool>> operation)
    {
        var before = await BenchApp.StorageSplitAsync(http);
        var result = await Load.RunAsync(options.Clients, options.PhaseDuration, operation);
        var after = await BenchApp.StorageSplitAsync(http);
        // -1: the diagnostics read itself (an app request).
        var phase = new Phase(name, result, (after.App - before.App - 1.0) / Math.Max(1, result.Operations));
        Console.Error.WriteLine($"{name}: {result.PerSecond:F0}/s p50 {result.P50:F1} ms p99 {result.P99:F1} ms, {phase.App:F2} app requests each, {result.Failures} failed");
        return phase;
    }

    private static async Task<(long Balance, long Spent)> BalanceAsync(HttpClient shopper, string leadId)
    {
        var points = await shopper.GetFromJsonAsync<JsonElement>($"/api/leads/{leadId}/points?limit=1");
        return (points.GetProperty("balance").GetInt64(), points.GetProperty("spent").GetInt64());
    }
}
