using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Scans per second through HTTP at N concurrent clients, against raw Azurite single-entity upserts per second
/// measured in the same run, with storage transactions per scan counted inside the app.
/// Phases: new shoppers across many stores; the same shoppers returning; a burst of new shoppers at one store.
/// </summary>
internal static class ScanBenchmark
{
    public static async Task RunAsync(BenchOptions options)
    {
        Console.Error.WriteLine($"scan benchmark: {options.Clients} clients, {options.PhaseDuration.TotalSeconds} s a phase, {options.Stores} stores");
        await using var azurite = await AzuriteServer.StartAsync();
        var azuriteCpu = CpuMeter.Seconds(azurite.ProcessId);
        var benchCpu = CpuMeter.Seconds(Environment.ProcessId);
        var rawBefore = await RawUpsertsAsync(azurite.ConnectionString, options, "before");
        Console.Error.WriteLine($"  cpu s: azurite {CpuMeter.Seconds(azurite.ProcessId) - azuriteCpu:F1}, load generator {CpuMeter.Seconds(Environment.ProcessId) - benchCpu:F1} over {rawBefore.Elapsed.TotalSeconds:F0} s");
        Console.Error.WriteLine($"raw Azurite upserts/s (before): {rawBefore.PerSecond:F0}");

        await using var app = await BenchApp.StartAsync(azurite);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2 }) { BaseAddress = new Uri(app.BaseUrl) };
        var token = await BenchApp.DevTokenAsync("hq");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var codes = new List<string>();
        for (var s = 0; s < options.Stores; s++)
        {
            codes.AddRange(await SetUpStoreAsync(http, $"store{s}", clerks: 3));
        }
        var hotCodes = await SetUpStoreAsync(http, "hot", clerks: 3);

        // Warm-up: JIT, connection pools, every store lane's cache.
        await Load.RunAsync(options.Clients, TimeSpan.FromSeconds(5), (c, i) => ScanAsync(http, codes[(int)((c * 7919 + i) % codes.Count)], $"warm-{c}-{i}"));

        var seated = new ConcurrentBag<(string Code, string Shopper)>();
        var newPhase = await PhaseAsync(app, http, "new shoppers, many stores", options, async (c, i) =>
        {
            var code = codes[(int)((c * 7919 + i) % codes.Count)];
            var shopper = $"new-{c}-{i}";
            var ok = await ScanAsync(http, code, shopper);
            if (ok) seated.Add((code, shopper));
            return ok;
        });
        var returning = seated.ToArray();
        var returningPhase = await PhaseAsync(app, http, "returning shoppers", options, (c, i) =>
        {
            var (code, shopper) = returning[(int)((c + i * options.Clients) % returning.Length)];
            return ScanAsync(http, code, shopper);
        });
        var hotPhase = await PhaseAsync(app, http, "new shoppers, one hot store", options, (c, i) =>
            ScanAsync(http, hotCodes[c % hotCodes.Count], $"hot-{c}-{i}"));

        var rawAfter = await RawUpsertsAsync(azurite.ConnectionString, options, "after");
        Console.Error.WriteLine($"raw Azurite upserts/s (after): {rawAfter.PerSecond:F0}");
        var memory = app.PeakMemoryMb();
        var raw = (rawBefore.PerSecond + rawAfter.PerSecond) / 2;

        Console.WriteLine();
        Console.WriteLine($"Scan benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {options.Clients} clients, {options.PhaseDuration.TotalSeconds:F0} s a phase, {options.Stores} stores (+1 hot)");
        Console.WriteLine();
        Console.WriteLine($"Raw Azurite single-entity upserts/s at {options.Clients} clients: {rawBefore.PerSecond:F0} before, {rawAfter.PerSecond:F0} after (mean {raw:F0}).");
        Console.WriteLine();
        Console.WriteLine("| phase | scans/s | p50 ms | p99 ms | failed | storage tx/scan (app + engine) | raw ÷ tx | scans/s ÷ (raw ÷ tx) | app CPU ms/scan |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in new[] { newPhase, returningPhase, hotPhase })
        {
            var bound = raw / p.TxPerScan;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name} | {p.Load.PerSecond:F0} | {p.Load.P50:F1} | {p.Load.P99:F1} | {p.Load.Failures} | {p.TxPerScan:F2} ({p.AppTx:F2} + {p.EngineTx:F2}) | {bound:F0} | {p.Load.PerSecond / bound:F2} | {p.AppCpuMs:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine($"App peak memory (VmHWM): {memory:F0} MB.");
    }

    private sealed record Phase(string Name, Load.Result Load, double TxPerScan, double AppTx, double EngineTx, double AppCpuMs);

    private static async Task<Phase> PhaseAsync(BenchApp app, HttpClient http, string name, BenchOptions options, Func<int, long, Task<bool>> scan)
    {
        var cpu = (Azurite: CpuMeter.Seconds(app.AzuritePid), App: CpuMeter.Seconds(app.ProcessId), Bench: CpuMeter.Seconds(Environment.ProcessId));
        var before = await BenchApp.StorageSplitAsync(http);
        var result = await Load.RunAsync(options.Clients, options.PhaseDuration, scan);
        var appCpu = CpuMeter.Seconds(app.ProcessId) - cpu.App;
        var after = await BenchApp.StorageSplitAsync(http);
        // -1: the diagnostics read itself (an app request).
        var phase = new Phase(name, result, (after.All - before.All - 1.0) / result.Operations, (after.App - before.App - 1.0) / result.Operations,
            (double)(after.Engine - before.Engine) / result.Operations, appCpu * 1000 / result.Operations);
        Console.Error.WriteLine($"{name}: {result.PerSecond:F0}/s p50 {result.P50:F1} ms p99 {result.P99:F1} ms, {phase.TxPerScan:F2} tx/scan, {result.Failures} failed, peak {app.PeakMemoryMb():F0} MB");
        Console.Error.WriteLine($"  cpu s: azurite {CpuMeter.Seconds(app.AzuritePid) - cpu.Azurite:F1}, app {CpuMeter.Seconds(app.ProcessId) - cpu.App:F1}, load generator {CpuMeter.Seconds(Environment.ProcessId) - cpu.Bench:F1} over {result.Elapsed.TotalSeconds:F0} s");
        return phase;
    }

    /// <summary>A scan as a shopper's page sends it: with a fresh scan id, so that its retries would be safe.</summary>
    private static async Task<bool> ScanAsync(HttpClient http, string code, string shopper)
    {
        using var response = await http.PostAsJsonAsync("/api/scans", new { code, shopperId = shopper, scanId = Guid.NewGuid().ToString("N") });
        return response.IsSuccessStatusCode;
    }

    private static async Task<long> StorageRequestsAsync(HttpClient http)
    {
        var body = await http.GetFromJsonAsync<JsonElement>("/api/diagnostics/storage");
        return body.GetProperty("storageRequests").GetInt64();
    }

    private static async Task<List<string>> SetUpStoreAsync(HttpClient http, string storeId, int clerks)
    {
        (await http.PutAsJsonAsync($"/api/stores/{storeId}", new { name = storeId, region = "bench", groupCapacity = 200, maxGroups = 500 })).EnsureSuccessStatusCode();
        var codes = new List<string>();
        for (var c = 0; c < clerks; c++)
        {
            (await http.PutAsJsonAsync($"/api/stores/{storeId}/clerks/c{c}", new { name = $"Clerk {c}" })).EnsureSuccessStatusCode();
            var response = await http.PostAsJsonAsync($"/api/stores/{storeId}/codes", new { clerkId = $"c{c}", channel = "till" });
            response.EnsureSuccessStatusCode();
            codes.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!);
        }
        return codes;
    }

    /// <summary>The storage ceiling: one entity upserted per request, N clients, into a table of its own.</summary>
    private static async Task<Load.Result> RawUpsertsAsync(string connectionString, BenchOptions options, string name)
    {
        var table = new TableClient(connectionString, "raw" + name);
        await table.CreateIfNotExistsAsync();
        return await Load.RunAsync(options.Clients, options.PhaseDuration, async (c, i) =>
        {
            await table.UpsertEntityAsync(new TableEntity($"p{c}", i.ToString(CultureInfo.InvariantCulture))
            {
                ["LeadId"] = "0123456789abcdef0123456789abcdef",
                ["At"] = DateTimeOffset.UnixEpoch,
                ["Channel"] = "till",
            });
            return true;
        });
    }
}
