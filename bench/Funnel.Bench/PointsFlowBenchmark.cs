using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Awards as the funnel's events make them, end to end: N leads each book and complete a guided trial through POST
/// /api/leads/{id}/events (the journey engine, the commit activity, the ledger), then each buys once through POST
/// /api/purchases (the queue, the purchase handler, the ledger). Done when the ledger holds N awards of the kind, counted by
/// the benchmark straight from the points table (so the polls are not the app's requests).
/// </summary>
internal static class PointsFlowBenchmark
{
    public sealed record Flow(string Name, int Awards, TimeSpan Elapsed, double AppPerEvent, double EnginePerEvent)
    {
        public double PerSecond => Awards / Elapsed.TotalSeconds;
    }

    public static async Task<IReadOnlyList<Flow>> RunAsync(AzuriteServer azurite, BenchApp app, HttpClient hq, string code, int leads, int clients)
    {
        var ids = new string[leads];
        await Parallel.ForEachAsync(Enumerable.Range(0, leads), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, ct) =>
        {
            using var scan = await hq.PostAsJsonAsync("/api/scans", new { code, shopperId = $"award-{i}" }, ct);
            scan.EnsureSuccessStatusCode();
            ids[i] = (await scan.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("leadId").GetString()!;
        });
        await BenchApp.WaitForEngineIdleAsync(hq); // the scans' journeys took their first steps
        var points = new TableClient(azurite.ConnectionString, "points");
        using var pos = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = new Uri(app.BaseUrl) };
        pos.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("pos", "s0"));

        // Trials first: a purchase converts the lead's journey, and a converted journey takes no trial.
        var slot = DateTimeOffset.UtcNow.AddDays(1);
        var trials = await FlowAsync("completed trial (events → engine → commit → ledger)", hq, points, "e|trial:", leads, clients, async i =>
        {
            foreach (var body in new object[] { new { type = "trial-booked", eventId = $"book-{i}", data = new { slot } }, new { type = "trial-completed", eventId = $"done-{i}" } })
            {
                using var response = await hq.PostAsJsonAsync($"/api/leads/{ids[i]}/events?storeId=s0", body);
                if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"Event for lead {i}: {(int)response.StatusCode}");
            }
        });
        var purchases = await FlowAsync("purchase (queue → handler → ledger)", hq, points, "e|purchase:award-", leads, clients, async i =>
        {
            using var response = await pos.PostAsJsonAsync("/api/purchases", new
            {
                purchaseId = $"award-{i}", storeId = "s0", shopperId = $"award-{i}", amount = 100m, currency = "CNY",
                items = new[] { new { sku = "TEA", qty = 1, price = 100m } }, purchasedAt = DateTimeOffset.UtcNow,
            });
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"Purchase {i}: {(int)response.StatusCode}");
        });
        return [purchases, trials];
    }

    private static async Task<Flow> FlowAsync(string name, HttpClient hq, TableClient points, string prefix, int leads, int clients, Func<int, Task> send)
    {
        var before = await BenchApp.StorageSplitAsync(hq);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, leads), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) => await send(i));
        var awarded = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(3) && (awarded = await CountAsync(points, prefix)) < leads) await Task.Delay(250);
        var elapsed = clock.Elapsed;
        var after = await BenchApp.StorageSplitAsync(hq);
        var flow = new Flow(name, awarded, elapsed, (after.App - before.App - 1.0) / leads, (after.Engine - before.Engine) / (double)leads);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {awarded} awards in {elapsed.TotalSeconds:F1} s, {flow.PerSecond:F1}/s, {flow.AppPerEvent:F2} app + {flow.EnginePerEvent:F2} engine requests an event"));
        return flow;
    }

    private static async Task<int> CountAsync(TableClient points, string prefix)
    {
        var count = 0;
        await foreach (var _ in points.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {prefix} and RowKey lt {prefix + "~"}"), select: ["RowKey"])) count++;
        return count;
    }
}
