using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// WeCom customer-added callbacks per second through <c>POST /wecom/callback</c> (verify, decrypt, lead, seat, journey
/// start, welcome through the local WeCom stand-in) at N concurrent deliveries, against web scans of new shoppers in
/// the same run; storage requests per operation counted inside the app (its own and the journey engine's).
/// </summary>
internal static class WeComBenchmark
{
    public static async Task RunAsync(BenchOptions options)
    {
        var stores = Math.Min(options.Stores, 20);
        Console.Error.WriteLine($"wecom benchmark: {options.Clients} deliveries at once, {options.PhaseDuration.TotalSeconds} s a phase, {stores} stores");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var weCom = await WeComStandIn.StartAsync();
        await using var app = await BenchApp.StartAsync(azurite, weCom.AppSettings("__"));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2 }) { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));

        var webCodes = new List<string>();
        var states = new List<string>();
        for (var s = 0; s < stores; s++)
        {
            (await http.PutAsJsonAsync($"/api/stores/s{s}", new { name = $"s{s}", region = "bench", groupCapacity = 200, maxGroups = 500 })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"/api/stores/s{s}/clerks/c0", new { name = "c0" })).EnsureSuccessStatusCode();
            var code = await (await http.PostAsJsonAsync($"/api/stores/s{s}/codes", new { clerkId = "c0", channel = "wecom" })).Content.ReadFromJsonAsync<JsonElement>();
            webCodes.Add(code.GetProperty("code").GetString()!);
            states.Add(Core.WeCom.WeComIds.StateFor(code.GetProperty("code").GetString()!));
        }
        // Warm-up: JIT, connections, every store lane's cache.
        await Load.RunAsync(options.Clients, TimeSpan.FromSeconds(5), (c, i) => WebScanAsync(http, webCodes[(int)((c + i) % stores)], $"warm-{c}-{i}"));
        Console.Error.WriteLine($"set-up: the journey engine settled in {(await BenchApp.WaitForEngineIdleAsync(http)).TotalSeconds:F0} s");

        Func<int, long, Task<bool>> web = (c, i) => WebScanAsync(http, webCodes[(int)((c + i) % stores)], $"web-{c}-{i}");
        Func<int, long, Task<bool>> callback = (c, i) => CallbackAsync(http, states[(int)((c + i) % stores)], $"wm-{c}-{i}", 1_800_000_000 + c * 1_000_000 + i);
        // Storage requests per operation: each kind alone, a few clients, a short phase (the counter is the app's, not per request).
        var quiet = options with { Clients = 4, PhaseDuration = TimeSpan.FromSeconds(5) };
        var scanCost = await PhaseAsync(app, http, "web scan alone (requests)", quiet, (c, i) => web(c + 1000, i));
        var callbackCost = await PhaseAsync(app, http, "callback alone (requests)", quiet, (c, i) => callback(c + 1000, i));
        Console.Error.WriteLine($"  the engine settled in {(await BenchApp.WaitForEngineIdleAsync(http)).TotalSeconds:F0} s");
        // Throughput and latency: both at once, half the clients each, so both meet the same Azurite (it slows as it
        // fills: a phase run after another was 4 to 14 times slower, whichever came second).
        var welcomesBefore = weCom.Welcomes.Count;
        var half = options with { Clients = Math.Max(1, options.Clients / 2) };
        var cpu = CpuMeter.Seconds(app.ProcessId);
        var both = await Task.WhenAll(PhaseAsync(app, http, "web scan, new shopper", half, web), PhaseAsync(app, http, "WeCom customer added (callback)", half, callback));
        var mixedCpuMs = (CpuMeter.Seconds(app.ProcessId) - cpu) * 1000 / (both[0].Load.Operations + both[1].Load.Operations);
        var (scans, callbacks) = (both[0] with { App = scanCost.App, Engine = scanCost.Engine, AppCpuMs = scanCost.AppCpuMs },
            both[1] with { App = callbackCost.App, Engine = callbackCost.Engine, AppCpuMs = callbackCost.AppCpuMs });
        var welcomed = weCom.Welcomes.Count - welcomesBefore;

        Console.WriteLine();
        Console.WriteLine($"WeCom benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {half.Clients} web scans and {half.Clients} callbacks at once for {options.PhaseDuration.TotalSeconds:F0} s, {stores} stores");
        Console.WriteLine();
        Console.WriteLine("| operation | per s | p50 ms | p99 ms | failed | storage requests each (app + engine), alone | app CPU ms each, alone |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in new[] { callbacks, scans })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name} | {p.Load.PerSecond:F0} | {p.Load.P50:F1} | {p.Load.P99:F1} | {p.Load.Failures} | {p.App + p.Engine:F2} ({p.App:F2} + {p.Engine:F2}) | {p.AppCpuMs:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Callbacks ÷ web scans per second, at once: {callbacks.Load.PerSecond / scans.Load.PerSecond:F2}. App CPU over both: {mixedCpuMs:F1} ms an operation. Welcome messages: {welcomed} for {callbacks.Load.Operations} callbacks. App peak memory (VmHWM): {app.PeakMemoryMb():F0} MB."));
    }

    private sealed record Phase(string Name, Load.Result Load, double App, double Engine, double AppCpuMs);

    private static async Task<Phase> PhaseAsync(BenchApp app, HttpClient http, string name, BenchOptions options, Func<int, long, Task<bool>> operation)
    {
        var cpu = CpuMeter.Seconds(app.ProcessId);
        var before = await BenchApp.StorageSplitAsync(http);
        var result = await Load.RunAsync(options.Clients, options.PhaseDuration, operation);
        var appCpu = CpuMeter.Seconds(app.ProcessId) - cpu;
        var after = await BenchApp.StorageSplitAsync(http);
        // -1: the diagnostics read itself (an app request). The engine's share includes its polling over the phase.
        var phase = new Phase(name, result, (after.App - before.App - 1.0) / result.Operations, (double)(after.Engine - before.Engine) / result.Operations, appCpu * 1000 / result.Operations);
        Console.Error.WriteLine($"{name}: {result.PerSecond:F0}/s p50 {result.P50:F1} ms p99 {result.P99:F1} ms, {phase.App + phase.Engine:F2} requests each, {result.Failures} failed, peak {app.PeakMemoryMb():F0} MB");
        return phase;
    }

    private static async Task<bool> CallbackAsync(HttpClient http, string state, string externalUserId, long createTime)
    {
        var (query, body) = WeComStandIn.SignedCallback(WeComStandIn.CustomerAdded(state, externalUserId, createTime, "c0"), TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        using var response = await http.PostAsync($"/wecom/callback?{query}", new StringContent(body, Encoding.UTF8, "text/xml"));
        return response.IsSuccessStatusCode;
    }

    private static async Task<bool> WebScanAsync(HttpClient http, string code, string shopper)
    {
        using var response = await http.PostAsJsonAsync("/api/scans", new { code, shopperId = shopper, scanId = Guid.NewGuid().ToString("N") });
        return response.IsSuccessStatusCode;
    }
}
