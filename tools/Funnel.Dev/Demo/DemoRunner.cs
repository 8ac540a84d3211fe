using System.Globalization;
using System.Text.Json;

namespace Funnel.Dev.Demo;

/// <summary>What a run sent and what the app counted for it (deltas over the run, so a second run compares only itself).</summary>
internal sealed record DemoReport(
    Tally Sent, Tally Counted, Tally LeaderboardCounted, IReadOnlyList<string> StoresDiffering, StatsSnapshot Stats, long Errors, bool Settled, bool WeComOk = true,
    bool PointsOk = true, bool BroadcastOk = true)
{
    /// <summary>Every number the app reports for the run equals what was sent, in total, on the leaderboard and per store.</summary>
    public bool CountsMatch => Sent == Counted && StoresDiffering.Count == 0 && LeaderboardCounted == LeaderboardView(Sent);

    public static Tally LeaderboardView(Tally t) => new(t.Scans, t.Leads, 0, 0, 0, 0, t.Purchases, t.Revenue, 0, 0);
}

/// <summary>
/// The demo: seeds a chain through the API, then plays a simulated period day by day against the app's (compressed)
/// clock, with each day's traffic spread over that day's real seconds, and ends with a summary that compares what it
/// sent with what the app counts. Talks to the app only over HTTP, so it drives a real server and a test server alike.
/// </summary>
/// <param name="weCom">Set: the chain runs through WeCom (<see cref="DemoWeCom"/>).</param>
internal sealed class DemoRunner(HttpClient http, DemoTokens tokens, DemoOptions options, TextWriter output, TimeProvider? realClock = null, DemoWeCom? weCom = null)
{
    private readonly TimeProvider _real = realClock ?? TimeProvider.System;
    private readonly DemoLog _log = new(output);
    private readonly DemoStats _stats = new();

    public async Task<DemoReport?> RunAsync(CancellationToken ct)
    {
        using var api = new DemoApi(http, options.Concurrency, _log, _real);
        var started = _real.GetTimestamp();
        var clock = new AppClock(api, _real);
        _log.Line($"Funnel demo: {options.Stores} stores in {options.Regions} regions, {options.Clerks} clerks each, {options.Days} days, seed {options.Seed}");
        if (!await clock.CalibrateAsync(ct))
        {
            _log.Line($"The app does not answer GET /healthz with its clock (at {http.BaseAddress}). Is it running? ./run.sh demo starts it.");
            return null;
        }
        if (clock.Scale < AppClock.MinScale)
        {
            _log.Line($"The app's clock runs at {clock.Scale:0.#}x real time, so {options.Days} simulated days would take days. " +
                      "Start it with Journeys__TimeScale=4320 (a day every 20 s), as ./run.sh demo does.");
            return null;
        }
        _log.Line(Invariant($"app clock: {clock.Scale:0}x real time, a simulated day every {clock.ToReal(TimeSpan.FromDays(1)).TotalSeconds:0.0} s"));

        var stores = DemoChain.Create(options);
        if (!DemoChain.IdsAreValid(stores)) throw new InvalidOperationException("The chain's ids are not valid API ids.");
        var assetId = await new DemoSeeder(api, tokens, clock, _log).SeedAsync(stores, options, ct);
        if (assetId is null)
        {
            _log.Line("Seeding failed (see the errors above); nothing was simulated.");
            return null;
        }

        // Ids carry a tag of this run, so a second run on the same storage is new traffic, not replays of the first.
        var runTag = Base36(clock.Now.ToUnixTimeSeconds());
        var simStart = clock.Now;
        var (from, to) = CountedRange(simStart);
        var before = await AppCounts.ReadAsync(api, tokens, stores, from, to, ct);
        if (before is null)
        {
            _log.Line("Could not read the stores' funnels or the leaderboard before the run.");
            return null;
        }

        if (weCom is not null) await weCom.BeginAsync(ct);
        var planner = new TrafficPlanner(options, stores, runTag);
        planner.PlanCampaignExecution();
        var outcomes = new JourneyOutcomes(api, _stats, _real);
        var points = new DemoPoints(api, tokens, _log);
        if (!(await points.SeedAsync(ct)).Ok)
        {
            _log.Line("Could not set the points rules (see the errors above); nothing was simulated.");
            return null;
        }
        var executor = new ActionExecutor(api, tokens, clock, _stats, outcomes, assetId, simStart, points, weCom);
        for (var day = 0; day < options.Days; day++)
        {
            // In the first week (day 3, or the last day of a shorter run) each store promotes its first lead to KOC.
            if (day > 0 && day == Math.Min(2, options.Days - 1)) await points.PromoteAsync(stores, ct);
            await SimulateDayAsync(day, planner, executor, clock, simStart, api, ct);
        }
        await points.RedeemAsync(runTag, ct);
        var reactivated = await new DemoReactivation(api, tokens, _log, _real).RunAsync(runTag, options.Days, options.SettleTimeout, ct);
        var notSent = planner.Pending;
        _log.Line(Invariant($"simulation done in {Elapsed(started)}; {notSent} planned follow-ups fell after day {options.Days} and were not sent"));

        return await SummarizeAsync(api, tokens, outcomes, stores, before, from, to, points, reactivated, ct);
    }

    /// <summary>Sends the day's actions as the app's clock reaches each one, then waits for all of them to be answered.</summary>
    private async Task SimulateDayAsync(int day, TrafficPlanner planner, ActionExecutor executor, AppClock clock, DateTimeOffset simStart, DemoApi api, CancellationToken ct)
    {
        var dayStarted = _real.GetTimestamp();
        var dayStart = simStart + TimeSpan.FromDays(day);
        var factor = planner.TrafficFactor(day, dayStart);
        planner.PlanDay(day, factor);
        var before = _stats.Snapshot();
        var errorsBefore = api.Errors;

        var inFlight = new List<Task>();
        while (planner.TryTakeBefore(TimeSpan.FromDays(day + 1), out var action))
        {
            var wait = clock.RealDelayUntil(simStart + action.At);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _real, ct);
            inFlight.Add(executor.Dispatch(action, ct));
        }
        await Task.WhenAll(inFlight);
        await clock.SyncAsync(ct);

        var d = Difference(_stats.Snapshot(), before);
        var behind = clock.Now - (dayStart + TimeSpan.FromDays(1));
        var local = dayStart.ToOffset(TimeSpan.FromHours(8));
        var late = behind > TimeSpan.FromHours(1) ? Invariant($" (behind the app's clock by {behind.TotalHours:0.#} h)") : "";
        var pending = _stats.Snapshot().Events.Pending;
        if (pending > 0) late += Invariant($" ({pending} journey events still pending, set aside)");
        _log.Line(Invariant(
            $"day {day + 1,3}/{options.Days} {local:ddd MM-dd}{(factor > 1 ? $" x{factor.ToString(CultureInfo.InvariantCulture),-3}" : "     ")} · scans {d.Total.Scans,5} (new {d.Total.Leads,5}) · trials {d.Total.TrialsBooked,4} booked/{d.Total.TrialsCompleted,4} done · questions {d.Total.Questions,4}/{d.Answered,4} answered · complaints {d.Total.Complaints,2} · purchases {d.Total.StoreSales,4} (dup {d.Duplicates,2}, walk-in {d.WalkIns,3}) · acks {d.Acks,2} · errors {api.Errors - errorsBefore,2} · outcome in {d.Events.MeanWaitSeconds,4:0.0} s · {_real.GetElapsedTime(dayStarted).TotalSeconds,5:0.0} s{late}"));
    }

    /// <summary>Waits (bounded) for journey events set aside and queued purchases to be counted, then compares and prints.</summary>
    private async Task<DemoReport?> SummarizeAsync(DemoApi api, DemoTokens tokens, JourneyOutcomes outcomes, IReadOnlyList<ChainStore> stores, AppCounts before,
        DateOnly from, DateOnly to, DemoPoints points, bool reactivated, CancellationToken ct)
    {
        if (_stats.Snapshot().Events.Pending > 0)
        {
            _log.Line(Invariant($"waiting for {_stats.Snapshot().Events.Pending} journey events still pending (while the journeys catch up; given up after {options.SettleTimeout.TotalSeconds:0} s without progress)"));
            await outcomes.ResolveLateAsync(options.SettleTimeout, ct);
        }
        var sentByStore = _stats.ByStore();
        var sent = sentByStore.Values.Aggregate(default(Tally), Tally.Add);
        var waitStarted = _real.GetTimestamp();
        AppCounts? after;
        Dictionary<string, Tally> delta;
        bool settled;
        while (true)
        {
            after = await AppCounts.ReadAsync(api, tokens, stores, from, to, ct);
            if (after is null)
            {
                _log.Line("Could not read the stores' funnels or the leaderboard after the run.");
                return null;
            }
            delta = AppCounts.Delta(before, after);
            settled = stores.All(s => delta[s.StoreId] == sentByStore.GetValueOrDefault(s.StoreId));
            // Purchases go through a queue, so they may lag; journey events were counted once their outcome was known.
            var onlyQueueLag = delta.Values.Aggregate(default(Tally), Tally.Add) == sent.WithQueueFedFrom(delta.Values.Aggregate(default(Tally), Tally.Add));
            if (settled || !onlyQueueLag || _real.GetElapsedTime(waitStarted) > options.SettleTimeout) break;
            await Task.Delay(TimeSpan.FromSeconds(1), _real, ct);
        }

        var counted = delta.Values.Aggregate(default(Tally), Tally.Add);
        var leaderboard = after.LeaderboardTotal - before.LeaderboardTotal;
        var differing = stores.Where(s => delta[s.StoreId] != sentByStore.GetValueOrDefault(s.StoreId)).Select(s => s.StoreId).ToList();
        var snapshot = _stats.Snapshot();
        var report = new DemoReport(sent, counted, leaderboard, differing, snapshot, api.Errors, settled);

        PrintComparison(report, _real.GetElapsedTime(waitStarted), sentByStore, delta);
        await PrintCampaignAsync(api, tokens, ct);
        if (weCom is not null) report = report with { WeComOk = await weCom.PrintAsync(api, tokens, stores, from, to, _log, ct) };
        report = report with { PointsOk = await points.VerifyAsync(stores, sent.TrialsCompleted, _real, ct), BroadcastOk = reactivated };
        PrintTop(after);
        _log.Line(Invariant($"errors: {api.Errors} of {api.Requests} requests ({api.Retries} retried after 429/503 or no answer)"));
        _log.Line(report is { CountsMatch: true, WeComOk: true, PointsOk: true, BroadcastOk: true } && api.Errors == 0
            ? "result: every number the app reports for this run equals what was sent."
            : "result: the app's numbers differ from what was sent, or requests failed (see above).");
        return report;
    }

    private void PrintComparison(DemoReport r, TimeSpan waited, IReadOnlyDictionary<string, Tally> sentByStore, Dictionary<string, Tally> delta)
    {
        var s = r.Stats;
        _log.Line("");
        _log.Line(Invariant($"summary: this run's traffic as sent, and as the app counts it (leaderboard and per-store funnels, {(r.Settled ? "settled" : "NOT settled")} after waiting {waited.TotalSeconds:0} s for the purchase queue)"));
        _log.Line("  what                      sent  leaderboard    funnels");
        Row("scans", r.Sent.Scans, r.LeaderboardCounted.Scans, r.Counted.Scans);
        Row("new leads", r.Sent.Leads, r.LeaderboardCounted.Leads, r.Counted.Leads);
        Row("trials booked", r.Sent.TrialsBooked, null, r.Counted.TrialsBooked);
        Row("trials completed", r.Sent.TrialsCompleted, null, r.Counted.TrialsCompleted);
        Row("questions asked", r.Sent.Questions, null, r.Counted.Questions, Invariant($"{s.Answered} answered by a clerk"));
        Row("complaints", r.Sent.Complaints, null, r.Counted.Complaints);
        Row("purchases credited", r.Sent.Purchases, r.LeaderboardCounted.Purchases, r.Counted.Purchases,
            Invariant($"{s.PurchasePosts} posts, {s.Duplicates} of them POS duplicates; {s.CrossStore} bought at another store"));
        Row("revenue credited", r.Sent.Revenue, r.LeaderboardCounted.Revenue, r.Counted.Revenue, "CNY");
        Row("store sales", r.Sent.StoreSales, null, r.Counted.StoreSales, Invariant($"incl. {s.WalkIns} walk-ins credited to nobody"));
        Row("store sales revenue", r.Sent.StoreSalesRevenue, null, r.Counted.StoreSalesRevenue, "CNY");
        if (r.StoresDiffering.Count == 0)
        {
            _log.Line(Invariant($"  per store: all {delta.Count} stores match"));
        }
        else
        {
            foreach (var id in r.StoresDiffering.Take(5))
            {
                _log.Line($"  per store: {id} sent {sentByStore.GetValueOrDefault(id)}");
                _log.Line($"  {"",-10} counted {delta[id]}");
            }
        }
        var e = s.Events;
        _log.Line(Invariant($"  journey events: {e.Applied + e.RetryDuplicates} counted ({e.Applied} applied, {e.RetryDuplicates} duplicates of our own retries), {e.Ignored} ignored by the stage, {e.OtherDuplicates} other duplicates, {e.Failed} failed, {e.Pending} never answered; {e.Resent} sent again after {JourneyOutcomes.MaxWait.TotalSeconds:0} s pending; from 202 to outcome {e.MeanWaitSeconds:0.0} s on average, at most {_stats.MaxEventWait.TotalSeconds:0.0} s"));
        if (s.Skipped > 0) _log.Line(Invariant($"  {s.Skipped} steps were not sent because the shopper's scan had failed"));
    }

    private void Row(string what, decimal sent, decimal? leaderboard, decimal funnels, string? note = null)
    {
        var ok = funnels == sent && (leaderboard is null || leaderboard == sent);
        _log.Line(Invariant($"  {what,-20} {sent,10:0.##} {(leaderboard is { } l ? l.ToString("0.##", CultureInfo.InvariantCulture) : "-"),12} {funnels,10:0.##}  {(ok ? "ok" : "DIFFERS")}{(note is null ? "" : "  (" + note + ")")}"));
    }

    private async Task PrintCampaignAsync(DemoApi api, DemoTokens tokens, CancellationToken ct)
    {
        var execution = await api.GetAsync($"/api/campaigns/{DemoChain.CampaignId}/execution?afterHours=0", tokens.Hq, ct);
        if (!execution.Ok) return;
        var e = execution.Body;
        var rate = e.GetProperty("executionRate") is { ValueKind: JsonValueKind.Number } r ? r.GetDouble() : 0;
        var (targeted, downloaded, posted) = (e.GetProperty("targeted").GetInt32(), e.GetProperty("downloaded").GetInt32(), e.GetProperty("posted").GetInt32());
        _log.Line(Invariant(
            $"campaign {DemoChain.CampaignId}: {targeted} stores targeted, {downloaded} downloaded, {posted} posted (execution {rate:P0}), {e.GetProperty("notExecuted").GetArrayLength()} to chase; acks sent this run: {_stats.Snapshot().Acks}"));
    }

    private void PrintTop(AppCounts after)
    {
        _log.Line("top stores by credited revenue (leaderboard from the day before the run on):");
        foreach (var (s, i) in after.Stores.Take(5).Select((s, i) => (s, i)))
        {
            _log.Line(Invariant($"  {i + 1}. {s.StoreId,-10} {s.Region,-8} scans {s.Scans,5} · leads {s.Leads,5} · purchases {s.Purchases,4} · CNY {s.Revenue,10:N2} · conversion {(s.ConversionRate is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "-")}"));
        }
        _log.Line("top clerks: " + string.Join(" · ", after.Clerks.Take(3).Select(c => Invariant($"{c.StoreId}/{c.ClerkId} {c.Purchases} purchases, CNY {c.Revenue:N2}"))));
    }

    /// <summary>
    /// Days the summary reads, before and after: from the day before the run (store-local days vs UTC) for as long as
    /// the API allows, since the app stamps what it counts with its own clock, which runs on when the run falls behind.
    /// </summary>
    private static (DateOnly From, DateOnly To) CountedRange(DateTimeOffset simStart)
    {
        var from = DateOnly.FromDateTime(simStart.UtcDateTime).AddDays(-1);
        return (from, from.AddDays(Funnel.App.Apis.StoresApi.MaxFunnelDays - 1));
    }

    private static StatsSnapshot Difference(StatsSnapshot a, StatsSnapshot b) => new(
        a.Total - b.Total, a.Answered - b.Answered, a.PurchasePosts - b.PurchasePosts, a.Duplicates - b.Duplicates,
        a.WalkIns - b.WalkIns, a.CrossStore - b.CrossStore, a.Acks - b.Acks, a.Skipped - b.Skipped, a.Events - b.Events);

    private string Elapsed(long started)
    {
        var t = _real.GetElapsedTime(started);
        return t.TotalMinutes >= 1 ? Invariant($"{(int)t.TotalMinutes} min {t.Seconds} s") : Invariant($"{t.TotalSeconds:0.0} s");
    }

    private static string Base36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var chars = new Stack<char>();
        do
        {
            chars.Push(digits[(int)(value % 36)]);
            value /= 36;
        }
        while (value > 0);
        return new string([.. chars]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
