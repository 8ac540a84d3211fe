using System.Diagnostics;
using System.Globalization;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>The Release build of the app as its own process, with the settings the benchmarks use.</summary>
internal sealed class BenchApp : IAsyncDisposable
{
    public const string SigningKey = "bench-signing-key-0123456789-abcdefghijklmnop";
    private readonly AppProcess _process;

    private BenchApp(AppProcess process, int azuritePid)
    {
        _process = process;
        AzuritePid = azuritePid;
    }

    public static string Dll => Path.Combine(RepoRoot.Find(), "functions", "Funnel.App", "bin", "Release", "net10.0", "Funnel.App.dll");

    /// <summary>The dev tool (tools/Funnel.Dev): tokens and the demo, as ./run.sh runs them.</summary>
    public static string DevDll => Path.Combine(RepoRoot.Find(), "tools", "Funnel.Dev", "bin", "Release", "net10.0", "Funnel.Dev.dll");

    public string BaseUrl => _process.BaseUrl;
    public int ProcessId => _process.ProcessId;

    /// <summary>The storage emulator the app talks to (for CPU accounting).</summary>
    public int AzuritePid { get; }

    public static async Task<BenchApp> StartAsync(AzuriteServer azurite, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Auth__SigningKey"] = SigningKey,
            ["Funnel__LeadHashKey"] = "bench-lead-hash-key-0123456789-abcdefghijkl",
            ["Funnel__CodeSigningKey"] = "bench-code-signing-key-0123456789-abcdefghi",
            ["Funnel__PublicBaseUrl"] = "https://funnel.bench",
            ["RateLimiting__PublicPermitsPerWindow"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Triggers__LocalRunner"] = "false",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) settings[k] = v;
        return new BenchApp(await AppProcess.StartAsync(Dll, settings, line => Console.Error.WriteLine($"  [app] {line}")), azurite.ProcessId);
    }

    public double PeakMemoryMb() => _process.PeakMemoryMb();

    /// <summary>Storage requests the app has sent so far (its own counter; the call itself is one more).</summary>
    public static async Task<long> StorageRequestsAsync(HttpClient http) => (await StorageSplitAsync(http)).All;

    /// <summary>Storage requests by kind ("app table query", "engine queue receive"…): count and total milliseconds, since the app started.</summary>
    public static async Task<Dictionary<string, (long Requests, double Ms)>> StorageKindsAsync(HttpClient http)
    {
        var d = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "/api/diagnostics/storage");
        var kinds = new Dictionary<string, (long, double)>(StringComparer.Ordinal);
        foreach (var (side, property) in new[] { ("app", "byKind"), ("engine", "engineByKind") })
        {
            foreach (var k in d.GetProperty(property).EnumerateObject()) kinds[$"{side} {k.Name}"] = (k.Value.GetProperty("requests").GetInt64(), k.Value.GetProperty("totalMs").GetDouble());
        }
        return kinds;
    }

    /// <summary>
    /// Waits until the app's journey engine has checkpointed no step for three seconds in a row: the journeys a set-up
    /// started have taken their first steps, so a phase after it counts its own work, not the set-up's.
    /// </summary>
    public static async Task<TimeSpan> WaitForEngineIdleAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        long Steps(Dictionary<string, (long Requests, double Ms)> kinds) => kinds.TryGetValue("engine table transaction", out var t) ? t.Requests : 0;
        var last = Steps(await StorageKindsAsync(http));
        for (var quiet = 0; quiet < 3;)
        {
            await Task.Delay(1000);
            var now = Steps(await StorageKindsAsync(http));
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        return clock.Elapsed;
    }

    /// <summary>Per operation, by kind, what a phase sent: the rows of "where the storage time goes".</summary>
    public static IEnumerable<string> KindsPerOperation(Dictionary<string, (long Requests, double Ms)> before, Dictionary<string, (long Requests, double Ms)> after, double operations) =>
        after.Select(k => (k.Key, Requests: k.Value.Requests - (before.TryGetValue(k.Key, out var b) ? b.Requests : 0), Ms: k.Value.Ms - (before.TryGetValue(k.Key, out var m) ? m.Ms : 0)))
            .Where(k => k.Requests > 0).OrderByDescending(k => k.Requests)
            .Select(k => string.Create(CultureInfo.InvariantCulture, $"| {k.Key} | {k.Requests / operations:F2} | {k.Ms / Math.Max(1, k.Requests):F1} |"));

    /// <summary>Storage requests the app sent in all, its own (handlers, lanes) and the journey engine's (client and worker).</summary>
    public static async Task<(long All, long App, long Engine)> StorageSplitAsync(HttpClient http)
    {
        var d = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "/api/diagnostics/storage");
        return (d.GetProperty("storageRequests").GetInt64(), d.GetProperty("appRequests").GetInt64(), d.GetProperty("engineRequests").GetInt64());
    }

    /// <summary>A token from the dev tool's token command, signed with the key the app runs with.</summary>
    public static async Task<string> DevTokenAsync(string role, string? store = null, string? clerk = null)
    {
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { DevDll, "token", "--role", role }, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (flag, value) in new[] { ("--store", store), ("--clerk", clerk) })
        {
            if (value is null) continue;
            info.ArgumentList.Add(flag);
            info.ArgumentList.Add(value);
        }
        info.Environment["Auth__SigningKey"] = SigningKey;
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim().Split('\n')[^1].Trim();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
