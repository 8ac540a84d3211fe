using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.App.Kocs;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using Funnel.Core.Kocs;
using Funnel.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Funnel.Bench;

/// <summary>
/// The KOC month-end assessment on the durable engine, at chain scale: N stores × 10 KOCs with a month's cards are
/// written straight to the tables (setting them up through the API would take longer than the assessment), each store's
/// month-end instance is started on the app's task hub as promotion would start it, and the Release app runs them on a
/// clock 60 times faster whose month ends a little after the set-up. Measured: from the month's end (real time) until
/// every KOC's assessment row exists; the storage requests app and engine sent for it, per store; and that the
/// decisions are the ones the cards call for (of each store's ten: four raised, three lowered, three kept).
/// </summary>
internal static class KocBenchmark
{
    private const int KocsPerStore = 10;
    private const double Scale = 60;

    public static async Task RunAsync(BenchOptions options)
    {
        var stores = options.Stores;
        Console.Error.WriteLine($"koc benchmark: {stores} stores × {KocsPerStore} KOCs");
        await using var azurite = await AzuriteServer.StartAsync();
        var tables = new TableServiceClient(azurite.ConnectionString);
        var setUp = Stopwatch.StartNew();
        var monthEnd = new KocMonth(DateTime.UtcNow.Year, DateTime.UtcNow.Month).EndIn(TimeZoneInfo.Utc);
        var month = KocMonth.Of(monthEnd.AddTicks(-1), TimeZoneInfo.Utc);
        await SeedAsync(tables, stores, month, monthEnd);
        Console.Error.WriteLine($"seeded in {setUp.Elapsed.TotalSeconds:F0} s");

        // The real moment the app's month ends: after the instances are started (about 60 a second here) and the app is up.
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30 + stores / 40.0);
        // app = origin + (real − origin) × scale, and app(due) = month end: origin = (due × scale − month end) / (scale − 1).
        var origin = new DateTimeOffset((long)((due.UtcTicks * Scale - monthEnd.UtcTicks) / (Scale - 1)), TimeSpan.Zero);
        var clock = new JourneyClock(origin, origin, Scale);
        await StartInstancesAsync(azurite.ConnectionString, stores, month, monthEnd, clock);
        var started = setUp.Elapsed;
        Console.Error.WriteLine($"instances started at {started.TotalSeconds:F0} s; the month ends in {(due - DateTimeOffset.UtcNow).TotalSeconds:F0} s");

        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Journeys__TimeScale"] = Scale.ToString(CultureInfo.InvariantCulture),
            ["Journeys__TimeScaleOrigin"] = origin.ToString("O", CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        var wait = due - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        else Console.Error.WriteLine($"the set-up ran {-wait.TotalSeconds:F0} s past the month's end");
        var before = await BenchApp.StorageSplitAsync(http);
        var clockFromEnd = Stopwatch.StartNew();
        var kocs = tables.GetTableClient("kocs");
        var expected = stores * KocsPerStore;
        Dictionary<string, int> verdicts = [];
        var last = due;
        var cpu = new CpuProbe(azurite.ProcessId, app.ProcessId);
        var cpuBefore = cpu.Read();
        // Polls are table scans (on Azurite, of the whole table, which grows with the stores): seldom, and the end is read
        // from the rows' own timestamps, so the poll's interval does not change the time measured.
        var poll = TimeSpan.FromSeconds(Math.Max(15, stores / 100.0));
        while (clockFromEnd.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(poll);
            (verdicts, last) = await VerdictsAsync(kocs, month);
            var done = verdicts.Values.Sum();
            Console.Error.WriteLine($"  {clockFromEnd.Elapsed.TotalSeconds:F0} s: {done} of {expected} assessed");
            if (done >= expected) break;
        }
        var elapsed = last - due;
        var after = await BenchApp.StorageSplitAsync(http);
        var cpuAfter = cpu.Read();
        var (azuriteCpu, appCpu) = ((cpuAfter.Azurite - cpuBefore.Azurite) / elapsed.TotalSeconds, (cpuAfter.Engine - cpuBefore.Engine) / elapsed.TotalSeconds);
        // KOCs 0, 3, 6, 9 of a store have a good month, 1, 4, 7 a poor one, 2, 5, 8 a quiet one.
        var right = verdicts.GetValueOrDefault("Raise") == stores * 4 && verdicts.GetValueOrDefault("Lower") == stores * 3 && verdicts.GetValueOrDefault("Keep") == stores * 3;

        Console.WriteLine();
        Console.WriteLine($"KOC month-end benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| stores × KOCs | assessed | from month end to the last (s) | stores/s | app requests a store | engine requests a store | CPU cores (Azurite, app) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stores} × {KocsPerStore} | {verdicts.Values.Sum()} | {elapsed.TotalSeconds:F0} | {stores / elapsed.TotalSeconds:F1} | {(after.App - before.App) / (double)stores:F2} | {(after.Engine - before.Engine) / (double)stores:F2} | {azuriteCpu:F2}, {appCpu:F2} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Decisions: {string.Join(", ", verdicts.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}"))} ({(right ? "as the cards call for" : "NOT as the cards call for")}). Set-up (seeding, starting the {stores} instances) took {started.TotalSeconds:F0} s. The completion polls (a scan of the kocs table every {poll.TotalSeconds:F0} s) are the benchmark's own requests, not the app's, but they load Azurite. App peak memory (VmHWM): {app.PeakMemoryMb():F0} MB."));
    }

    /// <summary>Every store's settings row, and its KOCs' profiles and month cards in one transaction per store: good, poor and quiet months in turn.</summary>
    private static async Task SeedAsync(TableServiceClient tables, int stores, KocMonth month, DateTimeOffset monthEnd)
    {
        var storeTable = tables.GetTableClient("stores");
        var kocTable = tables.GetTableClient("kocs");
        await storeTable.CreateIfNotExistsAsync();
        await kocTable.CreateIfNotExistsAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, stores), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (s, ct) =>
        {
            var storeId = $"k{s}";
            await storeTable.UpsertEntityAsync(StoreRows.Config(new StoreSettings(storeId, storeId, "bench", 200, 20, "UTC", monthEnd.AddDays(-40))), cancellationToken: ct);
            var actions = new List<TableTransactionAction>(KocsPerStore * 2);
            for (var k = 0; k < KocsPerStore; k++)
            {
                var leadId = $"{s:x8}{k:x24}";
                var card = (k % 3) switch
                {
                    0 => new KocCard(Recruited: 20, Purchases: 9, Conversions: 8, Revenue: 800, QuestionsInTime: 10),
                    1 => new KocCard(Recruited: 20, QuestionsInTime: 3, QuestionsLate: 7),
                    _ => new KocCard(Recruited: 4, Conversions: 1),
                };
                actions.Add(new(TableTransactionActionType.UpsertReplace, KocRows.Profile(new KocProfile(storeId, leadId, 200, card.Recruited, true, monthEnd.AddDays(-20), "bench", null, null))));
                actions.Add(new(TableTransactionActionType.UpsertReplace, KocRows.Card(storeId, month, leadId, card)));
            }
            await kocTable.SubmitTransactionAsync(actions, ct);
        });
    }

    /// <summary>Each store's month-end instance, as promoting its first KOC starts it (the app's hub: "funnel", 4 partitions).</summary>
    private static async Task StartInstancesAsync(string connectionString, int stores, KocMonth month, DateTimeOffset monthEnd, JourneyClock clock)
    {
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = "funnel",
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            PartitionCount = 4,
            LoggerFactory = NullLoggerFactory.Instance,
        });
        await service.CreateIfNotExistsAsync();
        var client = new TaskHubClient(service, loggerFactory: NullLoggerFactory.Instance);
        await Parallel.ForEachAsync(Enumerable.Range(0, stores), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (s, _) =>
        {
            var input = new KocMonthInput($"k{s}", month.ToString(), monthEnd, clock, 518_400);
            await client.CreateOrchestrationInstanceAsync(KocMonthOrchestration.Name, KocMonthOrchestration.Version, KocMonthOrchestration.InstanceId($"k{s}"),
                JourneyJson.Write(input), null, JourneyService.NotToStartAgain);
        });
    }

    /// <summary>The month's assessments by verdict, and when the last was written.</summary>
    private static async Task<(Dictionary<string, int> Verdicts, DateTimeOffset Last)> VerdictsAsync(TableClient kocs, KocMonth month)
    {
        var prefix = KocRows.AssessmentKey(month.ToString(), "");
        var verdicts = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = DateTimeOffset.MinValue;
        await foreach (var row in kocs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {prefix} and RowKey lt {prefix + "~"}"), select: ["Verdict", "Timestamp"]))
        {
            var v = row.GetString("Verdict") ?? "?";
            verdicts[v] = verdicts.GetValueOrDefault(v) + 1;
            if (row.Timestamp is { } at && at > last) last = at;
        }
        return (verdicts, last);
    }
}
