using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Funnel's journeys: the Release app as its own process (runner off, so outbound messages stay on their queue for
/// the benchmark to count), stores set up through the API with quiet hours and the daily cap out of the way.
/// Starts: new shoppers scan (each starts a journey, whose first step sends the welcome). Events: a content open and
/// a trial booking per lead through POST /api/leads/{id}/events, done when every store's funnel counts the bookings
/// (those polls' storage requests are measured first and subtracted), then every event's outcome is checked. Timers:
/// a second app on a clock 8,640 times faster (an app day in 10 s) and its own task hub, stores whose awareness
/// content comes a few app days after the scan; a fired timer sends that content, which the benchmark counts on the queue.
/// </summary>
internal static class FunnelJourneyBenchmark
{
    private const int Stores = 20;
    private const double TimeScale = 8640;

    /// <summary>Counting a queue's messages makes Azurite look at all of them: not too often.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private static readonly object Quiet = new { quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20 };

    public static async Task<EngineResults> RunAsync(AzuriteServer azurite, int leads, int clients)
    {
        var outbound = new QueueClient(azurite.ConnectionString, "outbound-messages");
        var token = await BenchApp.DevTokenAsync("hq");
        var (starts, idle, events, kinds, eventsPeak) = await EventsAsync(azurite, outbound, token, leads, clients);
        var history = await HistoryStats.ReadAsync(azurite, "funnel", leads + JourneyBenchmark.WarmUp);
        await outbound.ClearMessagesAsync(); // a channel adapter would have taken them
        var (timers, timersPeak) = await TimersAsync(azurite, outbound, token, leads / 2, clients);
        var peaks = string.Create(CultureInfo.InvariantCulture, $"{eventsPeak:F0} MB (events run), {timersPeak:F0} MB (timers run)");
        return new EngineResults("Funnel", starts, idle, events, timers.Result, kinds, timers.PerItemByKind, history, peaks);
    }

    /// <summary>Starts and events, on the app's real clock.</summary>
    private static async Task<(PhaseResult Starts, double Idle, PhaseResult Events, IReadOnlyDictionary<string, double> Kinds, double PeakMb)> EventsAsync(
        AzuriteServer azurite, QueueClient outbound, string token, int leads, int clients)
    {
        await using var app = await StartAppAsync(azurite, new() { ["Journeys__TaskHubName"] = "funnel" });
        using var http = Client(app, token);
        var codes = await StoresAsync(http, "e", Quiet);
        await WarmUpAsync(http, outbound, "ewarm", Quiet);
        var funnelCost = await CalibrateAsync(http, "/api/stores/e0/funnel");
        var read = () => SnapshotAsync(http);
        var cpu = new CpuProbe(azurite.ProcessId, app.ProcessId);

        var ids = new string[leads];
        var queued = await CountAsync(outbound);
        var phase = await JourneyBenchmark.PhaseAsync(read, cpu, leads, 1, clients, async i => ids[i] = await ScanAsync(http, codes[i % Stores], $"e-{i}"),
            async () => await CountAsync(outbound) >= queued + leads, () => Task.FromResult(DateTime.UtcNow), Poll);
        var starts = phase.Result;
        Console.Error.WriteLine($"funnel starts: {starts}");
        var idle = await JourneyBenchmark.IdleAsync(read);
        Console.Error.WriteLine($"funnel idle: {idle:F1} storage requests/s");

        long polls = 0;
        var booked = new long[Stores];
        var expected = Enumerable.Range(0, Stores).Select(s => Enumerable.Range(0, leads).Count(i => i % Stores == s)).ToArray();
        phase = await JourneyBenchmark.PhaseAsync(read, cpu, leads, 2, clients, async i =>
            {
                await EventAsync(http, ids[i], $"e{i % Stores}", new { type = "content-opened", eventId = $"o{i}" });
                await EventAsync(http, ids[i], $"e{i % Stores}", new { type = "trial-booked", eventId = $"b{i}", data = new { slot = DateTimeOffset.UtcNow.AddDays(2) } });
            },
            async () =>
            {
                for (var s = 0; s < Stores; s++)
                {
                    if (booked[s] >= expected[s]) continue;
                    Interlocked.Increment(ref polls);
                    booked[s] = (await http.GetFromJsonAsync<JsonElement>($"/api/stores/e{s}/funnel")).GetProperty("trialBooked").GetInt64();
                }
                return booked.Sum() >= leads;
            },
            () => Task.FromResult(DateTime.UtcNow), TimeSpan.FromSeconds(1), () => Interlocked.Read(ref polls) * funnelCost);
        var note = string.Create(CultureInfo.InvariantCulture, $", {polls} funnel polls ({funnelCost:F2} requests each) subtracted") + await OutcomesAsync(http, ids, clients);
        var events = phase.Result with { Note = phase.Result.Note + note };
        Console.Error.WriteLine($"funnel events: {events}");
        return (starts, idle, events, phase.PerItemByKind, app.PeakMemoryMb());
    }

    /// <summary>
    /// Timers: a second app on a fast clock (an app day in 10 s), with its own task hub (the first app's leases died
    /// with it). Scans in stores whose awareness content is 90 app days away, then in stores where it comes a little
    /// after the scan (<see cref="JourneyBenchmark.TimerPhasesAsync"/>); a fired timer sends that content, counted on
    /// the queue after the welcomes.
    /// </summary>
    private static async Task<(Phase Timers, double PeakMb)> TimersAsync(AzuriteServer azurite, QueueClient outbound, string token, int count, int clients)
    {
        await using var app = await StartAppAsync(azurite, new()
        {
            ["Journeys__TaskHubName"] = "funneltimers",
            ["Journeys__TimeScale"] = TimeScale.ToString(CultureInfo.InvariantCulture),
        });
        using var http = Client(app, token);
        var farCodes = await StoresAsync(http, "tf", Journey(90));
        await WarmUpAsync(http, outbound, "twarm", Journey(90));
        var queued = await CountAsync(outbound);
        DateTime fired = default;
        var timers = await JourneyBenchmark.TimerPhasesAsync(() => SnapshotAsync(http), new CpuProbe(azurite.ProcessId, app.ProcessId), count, clients,
            i => ScanAsync(http, farCodes[i % Stores], $"tf-{i}"), async () => await CountAsync(outbound) >= queued + count,
            async delay =>
            {
                var days = Math.Ceiling(delay.TotalDays * TimeScale * 10) / 10; // whole tenths of an app day
                var codes = await StoresAsync(http, "tn", Journey(days));
                return (i => ScanAsync(http, codes[i % Stores], $"tn-{i}"), TimeSpan.FromDays(days / TimeScale));
            },
            async () => await CountAsync(outbound) >= queued + 2 * count, // both sets of welcomes
            async () =>
            {
                var n = await CountAsync(outbound) - queued - 2 * count; // the awareness contents
                if (n >= count && fired == default) fired = DateTime.UtcNow;
                return n;
            },
            () => Task.FromResult(fired), Poll);
        Console.Error.WriteLine($"funnel timers: {timers.Result}");
        return (timers, app.PeakMemoryMb());
    }

    /// <summary>Nurture settings with one awareness content after <paramref name="days"/> and every other timer far out.</summary>
    private static object Journey(double days) =>
        new { quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20, awarenessContentAfterDays = new[] { days }, trialFollowUpAfterDays = 90, dormantAfterDays = 365 };

    private static Task<BenchApp> StartAppAsync(AzuriteServer azurite, Dictionary<string, string> settings)
    {
        settings["Journeys__MaxQueuePollingIntervalSeconds"] = "5";
        settings["Journeys__LogOutboundMessages"] = "false";
        return BenchApp.StartAsync(azurite, settings);
    }

    private static HttpClient Client(BenchApp app, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Stores {prefix}0…, each with a clerk and a till code; answers the codes.</summary>
    private static async Task<string[]> StoresAsync(HttpClient http, string prefix, object journey)
    {
        var codes = new string[Stores];
        for (var s = 0; s < Stores; s++) codes[s] = await StoreAsync(http, $"{prefix}{s}", journey);
        return codes;
    }

    private static async Task<string> StoreAsync(HttpClient http, string store, object journey)
    {
        (await http.PutAsJsonAsync($"/api/stores/{store}", new { name = store, region = "bench", timeZone = "UTC", journey })).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"/api/stores/{store}/clerks/c0", new { name = "c0" })).EnsureSuccessStatusCode();
        var code = await http.PostAsJsonAsync($"/api/stores/{store}/codes", new { clerkId = "c0", channel = "till" });
        code.EnsureSuccessStatusCode();
        return (await code.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
    }

    /// <summary>Journeys on every partition before anything is timed (the worker takes its leases after the app answers).</summary>
    private static async Task WarmUpAsync(HttpClient http, QueueClient outbound, string store, object journey)
    {
        var code = await StoreAsync(http, store, journey);
        var queued = await CountAsync(outbound);
        await Parallel.ForEachAsync(Enumerable.Range(0, JourneyBenchmark.WarmUp), async (i, _) => await ScanAsync(http, code, $"{store}-{i}"));
        await JourneyBenchmark.WaitUntilAsync(async () => await CountAsync(outbound) >= queued + JourneyBenchmark.WarmUp, TimeSpan.FromMinutes(2), Poll);
    }

    /// <summary>Storage requests one GET costs the app (measured over 20, between two reads of the counter).</summary>
    private static async Task<double> CalibrateAsync(HttpClient http, string path)
    {
        await JourneyBenchmark.SettleAsync(() => SnapshotAsync(http));
        var before = await SnapshotAsync(http);
        for (var i = 0; i < 20; i++) (await http.GetAsync(path)).EnsureSuccessStatusCode();
        return ((await SnapshotAsync(http)).Total - before.Total) / 20.0;
    }

    private static async Task<string> ScanAsync(HttpClient http, string code, string shopper)
    {
        using var scan = await http.PostAsJsonAsync("/api/scans", new { code, shopperId = shopper, scanId = Guid.NewGuid().ToString("N") });
        scan.EnsureSuccessStatusCode();
        return (await scan.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("leadId").GetString()!;
    }

    private static async Task EventAsync(HttpClient http, string lead, string store, object body)
    {
        using var response = await http.PostAsJsonAsync($"/api/leads/{lead}/events?storeId={store}", body);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted) throw new InvalidOperationException($"Event for {lead}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>What every event came to, asked once all bookings are counted (and again for any still pending): ", outcomes: applied 1000".</summary>
    private static async Task<string> OutcomesAsync(HttpClient http, string[] ids, int clients)
    {
        var known = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var firstPending = -1;
        while (true)
        {
            var ask = Enumerable.Range(0, ids.Length * 2).Where(k => !known.ContainsKey(k)).ToList();
            if (ask.Count == 0 || clock.Elapsed > TimeSpan.FromMinutes(2)) break;
            await Parallel.ForEachAsync(ask, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (k, ct) =>
            {
                var i = k / 2;
                var url = $"/api/leads/{ids[i]}/stores/e{i % Stores}/journey/events/{(k % 2 == 0 ? "o" : "b")}{i}";
                var outcome = (await http.GetFromJsonAsync<JsonElement>(url, ct)).GetProperty("outcome").GetString()!;
                if (outcome != "pending") known[k] = outcome;
            });
            if (firstPending < 0) firstPending = ids.Length * 2 - known.Count;
            if (known.Count < ids.Length * 2) await Task.Delay(500);
        }
        var counts = known.Values.GroupBy(o => o, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        var pending = ids.Length * 2 - known.Count;
        return ", outcomes: " + string.Join(", ", counts) + (pending > 0 ? $", still pending {pending}" : "") +
            (firstPending > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({firstPending} were pending when the bookings were counted, known {clock.Elapsed.TotalSeconds:F1} s later)") : "");
    }

    private static async Task<long> CountAsync(QueueClient queue)
    {
        try
        {
            return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }
    }

    /// <summary>The app's counters: its own requests and its engine's (client and worker), each by kind.</summary>
    private static async Task<StorageSnapshot> SnapshotAsync(HttpClient http)
    {
        var body = await http.GetFromJsonAsync<JsonElement>("/api/diagnostics/storage");
        var kinds = new Dictionary<string, long>(StringComparer.Ordinal);
        var ms = 0.0;
        foreach (var (property, owner) in new[] { ("byKind", "app"), ("engineByKind", "engine") })
        {
            if (!body.TryGetProperty(property, out var byKind)) continue;
            foreach (var k in byKind.EnumerateObject())
            {
                kinds[$"{owner}|{k.Name}"] = k.Value.GetProperty("requests").GetInt64();
                ms += k.Value.GetProperty("totalMs").GetDouble();
            }
        }
        var engine = body.TryGetProperty("engineRequests", out var e) ? e.GetInt64() : 0;
        return new StorageSnapshot(body.GetProperty("storageRequests").GetInt64(), engine, kinds, ms);
    }
}
