using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Journeys;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// The journey engine on one Azurite, the app as its own Release process:
/// 1. scans that start journeys (storage requests per scan, counted inside the app);
/// 2. transitions through POST /api/leads/{id}/events under a closed-loop load — a trial booking (cohort seat,
///    metric, timers moved, a wake-up) and a content open (read + write only) — against a raw read-then-replace loop
///    on the same Azurite in the same run;
/// 3. the sweep: 100,000 journeys written straight to storage, 10,000 of them with a timer due; one sweep must fire
///    all 10,000 and read no journey that is not due.
/// </summary>
internal static partial class JourneyBenchmark
{
    private const int Stores = 50;
    private const int Leads = 2000;
    private const int SweepStores = 100;
    private const int SweepJourneys = 100_000;
    private const int SweepDue = 10_000;

    public static async Task RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var raw = await RawReadReplaceAsync(azurite, options.Clients, options.PhaseDuration);
        Console.Error.WriteLine($"raw read+replace: {raw:F0} requests/s");

        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string> { ["Journeys__SweepGraceSeconds"] = "0" });
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        var codes = new List<string>();
        for (var s = 0; s < Stores; s++)
        {
            (await http.PutAsJsonAsync($"/api/stores/s{s}", new { name = $"s{s}", region = "bench", timeZone = "UTC", journey = new { quietFrom = "23:59", quietUntil = "00:00", maxMessagesPerDay = 20 } })).EnsureSuccessStatusCode();
            (await http.PutAsJsonAsync($"/api/stores/s{s}/clerks/c0", new { name = "c0" })).EnsureSuccessStatusCode();
            var code = await http.PostAsJsonAsync($"/api/stores/s{s}/codes", new { clerkId = "c0", channel = "till" });
            codes.Add((await code.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!);
        }

        // 1. Scans that start journeys.
        var leads = new string[Leads];
        var before = await BenchApp.StorageRequestsAsync(http);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Leads), new ParallelOptions { MaxDegreeOfParallelism = options.Clients }, async (i, ct) =>
        {
            var scan = await http.PostAsJsonAsync("/api/scans", new { code = codes[i % Stores], shopperId = $"shopper-{i}" }, ct);
            scan.EnsureSuccessStatusCode();
            leads[i] = (await scan.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("leadId").GetString()!;
        });
        var scanSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(1000); // the last outbox clean-ups
        var perScan = (double)(await BenchApp.StorageRequestsAsync(http) - before - 1) / Leads;
        Console.Error.WriteLine($"scans starting journeys: {Leads / scanSeconds:F0}/s, {perScan:F2} storage requests each");

        // 2. Transitions.
        var booking = await TransitionsAsync(http, options, "trial-booked", i => new { slot = DateTimeOffset.UtcNow.AddDays(2) }, leads);
        var opened = await TransitionsAsync(http, options, "content-opened", _ => null, leads);

        // 3. The sweep.
        var (sweep, sweepSeconds, sweepRequests) = await SweepAsync(azurite, http);
        var peak = app.PeakMemoryMb();

        Console.WriteLine();
        Console.WriteLine($"Journey benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {options.Clients} clients, {options.PhaseDuration.TotalSeconds:F0} s a phase");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Raw Azurite on the same run ({options.Clients} workers, point read then replace with the ETag): {raw:F0} storage requests/s."));
        Console.WriteLine();
        Console.WriteLine("| what | count | per second | storage requests each | raw ÷ requests | ratio to that bound |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| scan that starts a journey | {Leads} | {Leads / scanSeconds:F0} | {perScan:F2} | {raw / perScan:F0} | {Leads / scanSeconds / (raw / perScan):F2} |"));
        foreach (var t in new[] { booking, opened })
        {
            var bound = raw / t.RequestsEach;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| transition: {t.Type} | {t.Count} | {t.PerSecond:F0} | {t.RequestsEach:F2} | {bound:F0} | {t.PerSecond / bound:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Sweep: {SweepJourneys:N0} journeys in {SweepStores} stores, {SweepDue:N0} with a timer due. One sweep took {sweepSeconds:F1} s ({sweep.Fired / sweepSeconds:F0} timers/s): " +
            $"{sweep.DueRows:N0} due rows read, {sweep.Read:N0} journeys read, {sweep.Fired:N0} timers fired; {sweepRequests:N0} storage requests in all ({(double)sweepRequests / Math.Max(1, sweep.Fired):F2} per timer fired)."));
        var sweepBound = RawOnSweepTable / ((double)sweepRequests / Math.Max(1, sweep.Fired));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Raw read+replace on that same table: {RawOnSweepTable:F0} requests/s, so a bound of {sweepBound:F0} timers/s at that many requests each; the sweep reached {sweep.Fired / sweepSeconds / sweepBound:F2} of it."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"App peak memory over the whole run: {peak:F0} MB."));
    }

    private sealed record Transitions(string Type, long Count, double PerSecond, double RequestsEach);

    /// <summary>Each client sends events to its own leads in turn (a lead gets one event at a time, as in life).</summary>
    private static async Task<Transitions> TransitionsAsync(HttpClient http, BenchOptions options, string type, Func<int, object?> data, string[] leads)
    {
        var stores = leads.Select((_, i) => $"s{i % Stores}").ToArray();
        var before = await BenchApp.StorageRequestsAsync(http);
        var result = await Load.RunAsync(options.Clients, options.PhaseDuration, async (c, i) =>
        {
            var lead = (int)((c + i * options.Clients) % leads.Length);
            using var response = await http.PostAsJsonAsync($"/api/leads/{leads[lead]}/events?storeId={stores[lead]}", new { type, data = data(lead) });
            return response.StatusCode == System.Net.HttpStatusCode.Accepted;
        });
        await Task.Delay(1000);
        var each = (double)(await BenchApp.StorageRequestsAsync(http) - before - 1) / result.Operations;
        Console.Error.WriteLine($"{type}: {result.PerSecond:F0}/s, {each:F2} storage requests each, {result.Failures} failures, p50 {result.P50:F0} ms, p99 {result.P99:F0} ms");
        if (result.Failures > 0) throw new InvalidOperationException($"{result.Failures} {type} events failed.");
        return new Transitions(type, result.Operations, result.PerSecond, each);
    }

    private sealed record Swept(int DueRows, int Read, int Fired);

    private static double RawOnSweepTable { get; set; }

    private static async Task<(Swept Result, double Seconds, long Requests)> SweepAsync(AzuriteServer azurite, HttpClient http)
    {
        var table = new TableClient(azurite.ConnectionString, "stores");
        var now = DateTimeOffset.UtcNow;
        var policy = new JourneyPolicy(TimeZoneInfo.Utc) { QuietFrom = new TimeOnly(23, 59), QuietUntil = new TimeOnly(0, 0), MaxMessagesPerDay = 20 };
        for (var s = 0; s < SweepStores; s++)
        {
            (await http.PutAsJsonAsync($"/api/stores/w{s}", new { name = $"w{s}", region = "sweep", timeZone = "UTC", journey = new { quietFrom = "23:59", quietUntil = "00:00", maxMessagesPerDay = 20 } })).EnsureSuccessStatusCode();
        }
        var clock = Stopwatch.StartNew();
        var perStore = SweepJourneys / SweepStores;
        var duePerStore = SweepDue / SweepStores;
        await Parallel.ForEachAsync(Enumerable.Range(0, SweepStores), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (s, ct) =>
        {
            var store = $"w{s}";
            var rows = new List<TableEntity>(perStore * 2);
            for (var j = 0; j < perStore; j++)
            {
                var lead = $"{s:x4}{j:x28}";
                // Due ones started a day and two minutes ago: their first awareness content is due now.
                var started = j < duePerStore ? now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(2) : now;
                var state = Journey.Decide(null, new Scanned(started, null), policy, lead, store).State!;
                rows.Add(JourneyRows.Journey(store, state));
                rows.Add(JourneyRows.DueTimer(store, lead, state.NextTimerAt!.Value));
            }
            foreach (var chunk in rows.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), ct);
            }
        });
        Console.Error.WriteLine($"sweep set-up: {SweepJourneys * 2:N0} rows in {clock.Elapsed.TotalSeconds:F0} s");

        // Azurite slows down as the table grows: the raw rate for the sweep is measured on this same table, on journeys
        // that are not due (read, then replaced with what was read).
        long rawRequests = 0;
        var rawLoad = await Load.RunAsync(32, TimeSpan.FromSeconds(10), async (c, i) =>
        {
            var store = (int)((c * 7 + i) % SweepStores);
            var lead = $"{store:x4}{duePerStore + (int)((c * 131 + i * 17) % (perStore - duePerStore)):x28}";
            var row = (await table.GetEntityAsync<TableEntity>($"w{store}", JourneyRows.JourneyKey(lead))).Value;
            await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            Interlocked.Add(ref rawRequests, 2);
            return true;
        });
        RawOnSweepTable = rawRequests / rawLoad.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"raw read+replace on the sweep's table: {RawOnSweepTable:F0} requests/s");

        var before = await BenchApp.StorageRequestsAsync(http);
        clock.Restart();
        var response = await http.PostAsJsonAsync("/JourneySweep", new { Data = new Dictionary<string, string> { ["timer"] = "{}" }, Metadata = new Dictionary<string, object>() });
        response.EnsureSuccessStatusCode();
        var seconds = clock.Elapsed.TotalSeconds;
        var log = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("Logs")[0].GetString()!;
        await Task.Delay(1000);
        var requests = await BenchApp.StorageRequestsAsync(http) - before - 1;
        var m = SweepLog().Match(log);
        if (!m.Success) throw new InvalidOperationException($"Unexpected sweep answer: {log}");
        var result = new Swept(Int(m, "due"), Int(m, "read"), Int(m, "fired"));
        Console.Error.WriteLine($"sweep: {log} in {seconds:F1} s");
        if (result.Fired != SweepDue || result.Read != SweepDue || result.DueRows != SweepDue)
        {
            throw new InvalidOperationException($"The sweep should read and fire exactly the {SweepDue} due journeys: {log}");
        }
        return (result, seconds, requests);
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<due>\d+) due rows, (?<read>\d+) journeys read, (?<fired>\d+) timers fired")]
    private static partial Regex SweepLog();

    /// <summary>The storage ceiling for a transition's shape: point-read a row, replace it conditional on its ETag.</summary>
    private static async Task<double> RawReadReplaceAsync(AzuriteServer azurite, int clients, TimeSpan duration)
    {
        var table = new TableClient(azurite.ConnectionString, "rawjourneys");
        await table.CreateIfNotExistsAsync();
        for (var p = 0; p < 20; p++)
        {
            await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i =>
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity($"p{p}", $"r{i}") { ["State"] = new string('x', 1500) })));
        }
        long requests = 0;
        var result = await Load.RunAsync(clients, duration, async (c, i) =>
        {
            var key = (Partition: $"p{(c + i) % 20}", Row: $"r{(c * 31 + i) % 100}");
            var row = (await table.GetEntityAsync<TableEntity>(key.Partition, key.Row)).Value;
            row["State"] = new string('y', 1500);
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // another worker got there first: still a request served
            }
            Interlocked.Add(ref requests, 2);
            return true;
        });
        return requests / result.Elapsed.TotalSeconds;
    }

}
