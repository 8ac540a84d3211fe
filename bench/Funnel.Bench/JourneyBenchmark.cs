using System.Globalization;
using Azure.Data.Tables;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Journeys on the Durable Task Framework against the framework alone, on one Azurite in one run:
/// 1. bare DTFx (<see cref="BareDtfxBenchmark"/>): the journey's orchestration shape with no business, in this process;
/// 2. Funnel (<see cref="FunnelJourneyBenchmark"/>): the Release app as its own process, journeys started by scans and
///    fed through the API, timers fired on a scaled clock.
/// Each engine: N starts, 2N events (two per instance, raised one after the other, the client's workers at a time),
/// then, on a second task hub, N/2 timers on further instances. A phase is timed from its first request until the last
/// item's activity ran; its storage requests are counted until the engine is quiet again (so the orchestrations' last
/// checkpoints count too). Each timed phase begins after Azurite's queue garbage collection swept what came before.
/// </summary>
internal static class JourneyBenchmark
{
    /// <summary>The old engine's figures (docs/benchmarks.md, run of 2026-11-23 03:58 UTC; other method, see there).</summary>
    private const string OldEvents = "366 (trial-booked) / 831 (content-opened)";
    private const string OldEventRequests = "3.00 / 1.96";

    public static async Task RunAsync(BenchOptions options)
    {
        var n = options.Leads;
        await using var azurite = await AzuriteServer.StartAsync();
        var bare = await BareDtfxBenchmark.RunAsync(azurite, n, options.Clients);
        var funnel = await FunnelJourneyBenchmark.RunAsync(azurite, n, options.Clients);
        Print(options, n, bare, funnel);
    }

    private static void Print(BenchOptions options, int n, EngineResults bare, EngineResults funnel)
    {
        static string F(double x, int digits = 1) => x.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        static string D(double x) => (x < 0 ? "−" : "+") + F(Math.Abs(x), 2);
        var (b, f) = (bare, funnel);
        Console.WriteLine();
        Console.WriteLine($"Journey benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {n} instances, {2 * n} events, {n / 2} timers, {options.Clients} client workers");
        Console.WriteLine();
        Console.WriteLine("| | bare DTFx | Funnel | Funnel vs bare | target | old engine |");
        Console.WriteLine("|---|---:|---:|---:|---|---:|");
        Console.WriteLine($"| starts/s (bare: create; Funnel: scan) until the first step's activity ran | {F(b.Starts.PerSecond)} | {F(f.Starts.PerSecond)} | {F(f.Starts.PerSecond / b.Starts.PerSecond, 2)} × | | 151 scans/s |");
        Console.WriteLine($"| storage requests per start | {F(b.Starts.RequestsEach, 2)} | {F(f.Starts.RequestsEach, 2)} | {D(f.Starts.RequestsEach - b.Starts.RequestsEach)} | | 5.05 |");
        Console.WriteLine($"| **events/s** (first raise until the last event's activity ran) | {F(b.Events.PerSecond)} | {F(f.Events.PerSecond)} | **{F(f.Events.PerSecond / b.Events.PerSecond, 2)} ×** | ≥ 0.8 × | {OldEvents} |");
        Console.WriteLine($"| **storage requests per event** | {F(b.Events.RequestsEach, 2)} | {F(f.Events.RequestsEach, 2)} | **{D(f.Events.RequestsEach - b.Events.RequestsEach)}** | ≤ bare + 2 | {OldEventRequests} |");
        Console.WriteLine($"| of which the durable engine's | {F(b.Events.EngineRequestsEach, 2)} | {F(f.Events.EngineRequestsEach, 2)} | {D(f.Events.EngineRequestsEach - b.Events.EngineRequestsEach)} | | |");
        Console.WriteLine($"| last timer fired after it was due (s) | {F(b.Timers.LagSeconds ?? 0)} | {F(f.Timers.LagSeconds ?? 0)} | | | wake-up message at the due time; sweep every 300 s |");
        Console.WriteLine($"| **storage requests per timer fired** | {F(b.Timers.RequestsEach, 2)} | {F(f.Timers.RequestsEach, 2)} | {D(f.Timers.RequestsEach - b.Timers.RequestsEach)} | | 3.61 |");
        Console.WriteLine($"| of which the durable engine's | {F(b.Timers.EngineRequestsEach, 2)} | {F(f.Timers.EngineRequestsEach, 2)} | {D(f.Timers.EngineRequestsEach - b.Timers.EngineRequestsEach)} | | |");
        Console.WriteLine($"| engine history per instance after the events: rows, KB | {F(b.History.RowsPerInstance)}, {F(b.History.KbPerInstance)} | {F(f.History.RowsPerInstance)}, {F(f.History.KbPerInstance)} | | | |");
        Console.WriteLine($"| instances-table row (KB) | {F(b.History.InstanceRowKb)} | {F(f.History.InstanceRowKb)} | | | |");
        Console.WriteLine($"| storage requests/s while idle | {F(b.IdlePerSecond)} | {F(f.IdlePerSecond)} | | | |");
        Console.WriteLine($"| Azurite CPU s per 1,000 events | {F(1000 * b.Events.AzuriteCpu / b.Events.Count)} | {F(1000 * f.Events.AzuriteCpu / f.Events.Count)} | | | |");
        Console.WriteLine($"| mean storage request time during the events (ms) | {F(b.Events.LatencyMs)} | {F(f.Events.LatencyMs)} | | | |");
        Console.WriteLine($"| engine process CPU s per 1,000 events | {F(1000 * b.Events.EngineCpu / b.Events.Count)} | {F(1000 * f.Events.EngineCpu / f.Events.Count)} | | | |");
        Console.WriteLine($"| **app peak memory (VmHWM)** | | {funnel.Peak} | | ≤ 300 MB | 182 MB |");
        Console.WriteLine();
        Console.WriteLine("Storage requests by kind, per event and per timer fired (Funnel's app column for events includes its completion polls, which the totals above leave out):");
        Console.WriteLine();
        Console.WriteLine("| kind | event: bare | event: Funnel engine | event: Funnel app | timer: bare | timer: Funnel engine | timer: Funnel app |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var all = new[] { b.EventKinds, f.EventKinds, b.TimerKinds, f.TimerKinds };
        foreach (var kind in all.SelectMany(k => k.Keys).Select(k => k[(k.IndexOf('|', StringComparison.Ordinal) + 1)..]).Distinct().Order(StringComparer.Ordinal))
        {
            double[] x = [.. new[] { (b.EventKinds, "engine|"), (f.EventKinds, "engine|"), (f.EventKinds, "app|"), (b.TimerKinds, "engine|"), (f.TimerKinds, "engine|"), (f.TimerKinds, "app|") }
                .Select(c => c.Item1.GetValueOrDefault(c.Item2 + kind))];
            if (x.Any(v => Math.Abs(v) >= 0.005)) Console.WriteLine($"| {kind} | {string.Join(" | ", x.Select(v => F(v, 2)))} |");
        }
        Console.WriteLine($"| **all** | {F(b.Events.EngineRequestsEach, 2)} | {F(f.Events.EngineRequestsEach, 2)} | {F(f.Events.RequestsEach - f.Events.EngineRequestsEach, 2)} (polls left out) | " +
            $"{F(b.Timers.EngineRequestsEach, 2)} | {F(f.Timers.EngineRequestsEach, 2)} | {F(f.Timers.RequestsEach - f.Timers.EngineRequestsEach, 2)} |");
        Console.WriteLine();
        foreach (var e in new[] { bare, funnel })
        {
            Console.WriteLine($"- {e.Name}: starts {e.Starts}; events {e.Events}; timers {e.Timers}.");
        }
    }

    // ---- shared by both engines ----

    /// <summary>Instances started before anything is timed, so that the worker owns every partition (4) by then.</summary>
    public const int WarmUp = 32;

    /// <summary>
    /// Sends <paramref name="units"/> units of work (<paramref name="clients"/> at a time), waits until they are done,
    /// then until the engine is quiet. <paramref name="overhead"/>: storage requests the completion checks cost so far.
    /// </summary>
    public static async Task<Phase> PhaseAsync(Func<Task<StorageSnapshot>> read, CpuProbe cpu, int units, int itemsPerUnit, int clients,
        Func<int, Task> send, Func<Task<bool>> done, Func<Task<DateTime>> lastDone, TimeSpan? poll = null, Func<double>? overhead = null, bool sweep = true)
    {
        if (sweep) await cpu.AfterAzuriteSweepAsync();
        var before = await read();
        var cpu0 = cpu.Read();
        var over0 = overhead?.Invoke() ?? 0;
        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, units), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) => await send(i));
        var sentAt = DateTime.UtcNow;
        var sent = sentAt - started;
        await WaitUntilAsync(done, TimeSpan.FromMinutes(5), poll);
        var seconds = ((await lastDone()) - started).TotalSeconds;
        var after = await SettleAsync(read);
        var cpu1 = cpu.Read();
        var items = units * itemsPerUnit;
        var requests = after.Total - before.Total - ((overhead?.Invoke() ?? 0) - over0);
        var kinds = PerItem(before, after, items);
        var latency = (after.Ms - before.Ms) / Math.Max(1, after.Total - before.Total);
        return new Phase(new PhaseResult(items, seconds, requests, after.Engine - before.Engine, cpu1.Azurite - cpu0.Azurite, cpu1.Engine - cpu0.Engine,
            Note: string.Create(CultureInfo.InvariantCulture, $", all sent in {sent.TotalSeconds:F1} s, storage requests took {latency:F1} ms on average"), LatencyMs: latency), kinds, sentAt);
    }

    /// <summary>
    /// Timers. First <paramref name="count"/> starts whose timer is far away (how long a start takes, and what it
    /// costs); then as many starts whose first timer comes twice that long + 10 s after the start. Counting begins
    /// once those starts are done and the engine is quiet, and ends when every timer fired and the engine is quiet
    /// again: requests per timer fired, with the idle polling of the wait. Lag: the last timer fired after the last
    /// was due (its start sent + the delay).
    /// </summary>
    /// <param name="near">Given the delay wanted, the start of an instance with that timer, and the delay it really has.</param>
    public static async Task<Phase> TimerPhasesAsync(Func<Task<StorageSnapshot>> read, CpuProbe cpu, int count, int clients,
        Func<int, Task> far, Func<Task<bool>> farDone, Func<TimeSpan, Task<(Func<int, Task> Start, TimeSpan Delay)>> near,
        Func<Task<bool>> nearStarted, Func<Task<long>> fired, Func<Task<DateTime>> lastFired, TimeSpan? poll = null)
    {
        var a = (await PhaseAsync(read, cpu, count, 1, clients, far, farDone, () => Task.FromResult(DateTime.UtcNow), poll)).Result;
        var (start, delay) = await near(TimeSpan.FromSeconds(Math.Ceiling(2 * a.Seconds + 10)));
        await cpu.AfterAzuriteSweepAsync();
        var firstDue = DateTime.UtcNow + delay;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, _) => await start(i));
        var lastDue = DateTime.UtcNow + delay;
        await WaitUntilAsync(nearStarted, TimeSpan.FromMinutes(3), poll);
        var before = await SettleAsync(read);
        var cpu0 = cpu.Read();
        var early = await fired();
        var note = early > 0 ? $", {early} fired before the count began (their requests are missing)"
            : DateTime.UtcNow > firstDue ? ", the count began after the first was due" : "";
        await WaitUntilAsync(async () => await fired() >= count, TimeSpan.FromMinutes(5), poll);
        var last = await lastFired();
        var after = await SettleAsync(read);
        var cpu1 = cpu.Read();
        var result = new PhaseResult(count, (last - firstDue).TotalSeconds, after.Total - before.Total, after.Engine - before.Engine, cpu1.Azurite - cpu0.Azurite,
            cpu1.Engine - cpu0.Engine, (last - lastDue).TotalSeconds,
            string.Create(CultureInfo.InvariantCulture, $"{note}; timer {delay.TotalSeconds:F0} s after the start; the starts alone: {a}"));
        return new Phase(result, PerItem(before, after, count), lastDue - delay);
    }

    private static Dictionary<string, double> PerItem(StorageSnapshot before, StorageSnapshot after, int items) =>
        after.ByKind.ToDictionary(k => k.Key, k => (double)(k.Value - before.ByKind.GetValueOrDefault(k.Key)) / items);

    /// <summary>Storage requests a second while nothing happens (pollers at their longest interval, lease renewals).</summary>
    public static async Task<double> IdleAsync(Func<Task<StorageSnapshot>> read)
    {
        var before = await read();
        await Task.Delay(TimeSpan.FromSeconds(6));
        var after = await read();
        return (after.Total - before.Total) / 6.0;
    }

    /// <summary>Waits until a second passes with at most a few storage requests (the engine's pollers backing off), at most 30 s.</summary>
    public static async Task<StorageSnapshot> SettleAsync(Func<Task<StorageSnapshot>> read)
    {
        var last = await read();
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await read();
            if (now.Total - last.Total <= 8) return now;
            last = now;
        }
        return last;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not done after {timeout.TotalSeconds:F0} s.");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }
}

/// <summary>Storage requests sent so far: in all, the durable engine's (client and worker) alone, and by "owner|kind" (owner: app or engine).</summary>
/// <param name="Ms">Time spent waiting for those requests, summed.</param>
internal sealed record StorageSnapshot(long Total, long Engine, IReadOnlyDictionary<string, long> ByKind, double Ms);

/// <summary>CPU seconds of Azurite and of the process that runs the engine.</summary>
internal sealed class CpuProbe(int azuritePid, int enginePid)
{
    public (double Azurite, double Engine) Read() => (CpuMeter.Seconds(azuritePid), CpuMeter.Seconds(enginePid));

    /// <summary>
    /// Waits until Azurite's queue garbage collection has swept (at most 65 s): every 60 s it deletes the extents of
    /// deleted messages one by one, and each deletion re-sorts the index of all extents, so a sweep after a few
    /// thousand messages keeps Azurite busy for seconds. Called on a quiet engine before each timed phase, so that a
    /// phase is not charged for the sweep of what came before it (phases are shorter than the 60 s between sweeps).
    /// Seen as a burst of Azurite CPU (over 20 % of a core in a quarter second) followed by calm.
    /// </summary>
    public async Task AfterAzuriteSweepAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = CpuMeter.Seconds(azuritePid);
        var (burst, calm) = (false, 0);
        while (clock.Elapsed < TimeSpan.FromSeconds(65))
        {
            await Task.Delay(250);
            var now = CpuMeter.Seconds(azuritePid);
            var busy = now - last >= 0.05;
            last = now;
            if (busy) (burst, calm) = (true, 0);
            else if (burst && ++calm >= 4) break;
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (waited {clock.Elapsed.TotalSeconds:F0} s for Azurite's sweep{(burst ? "" : ", none seen")})"));
    }
}

/// <param name="EngineRequests">Of <paramref name="Requests"/>, those the durable engine sent.</param>
/// <param name="LatencyMs">How long a storage request took on average (Azurite's answer time as the engine saw it).</param>
internal sealed record PhaseResult(
    int Count, double Seconds, double Requests, double EngineRequests, double AzuriteCpu, double EngineCpu, double? LagSeconds = null, string? Note = null, double LatencyMs = 0)
{
    public double PerSecond => Count / Seconds;
    public double RequestsEach => Requests / Count;
    public double EngineRequestsEach => EngineRequests / Count;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} in {Seconds:F1} s ({PerSecond:F1}/s), {RequestsEach:F2} storage requests each ({EngineRequestsEach:F2} the engine's), CPU s Azurite {AzuriteCpu:F1} / engine {EngineCpu:F1}") +
        (LagSeconds is { } lag ? string.Create(CultureInfo.InvariantCulture, $", the last fired {lag:F1} s after it was due") : "") + Note;
}

internal sealed record Phase(PhaseResult Result, IReadOnlyDictionary<string, double> PerItemByKind, DateTime SentAt);

/// <summary>What the engine keeps in its tables: history rows and their size per instance, the size of an instances row.</summary>
internal sealed record HistoryStats(double RowsPerInstance, double KbPerInstance, double InstanceRowKb)
{
    public static async Task<HistoryStats> ReadAsync(AzuriteServer azurite, string hub, int instances)
    {
        var (rows, bytes) = await SizeAsync(new TableClient(azurite.ConnectionString, hub + "History"));
        var (instanceRows, instanceBytes) = await SizeAsync(new TableClient(azurite.ConnectionString, hub + "Instances"));
        return new HistoryStats((double)rows / instances, bytes / 1024.0 / instances, instanceBytes / 1024.0 / Math.Max(1, instanceRows));
    }

    private static async Task<(long Rows, long Bytes)> SizeAsync(TableClient table)
    {
        long rows = 0, bytes = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            rows++;
            foreach (var (_, value) in entity) bytes += value switch { string text => text.Length, byte[] data => data.Length, _ => 8 };
        }
        return (rows, bytes);
    }
}

/// <param name="Peak">For Funnel: the app's peak memory, as printed.</param>
internal sealed record EngineResults(
    string Name, PhaseResult Starts, double IdlePerSecond, PhaseResult Events, PhaseResult Timers, IReadOnlyDictionary<string, double> EventKinds,
    IReadOnlyDictionary<string, double> TimerKinds, HistoryStats History, string? Peak);
