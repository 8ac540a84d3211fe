using System.Globalization;
using static Funnel.Dev.Demo.DemoRates;

namespace Funnel.Dev.Demo;

/// <summary>
/// Decides what happens, day by day, from one seeded random source: the same seed and options give the same
/// story. Each new shopper's whole path (repeat scan, trial, questions, complaint, purchases) is planned when they
/// first scan, as actions at simulated times; the runner sends them when the app's clock gets there.
/// </summary>
internal sealed class TrafficPlanner(DemoOptions options, IReadOnlyList<ChainStore> stores, string runTag)
{
    private readonly Random _rng = new(options.Seed);
    private readonly PriorityQueue<SimAction, (TimeSpan At, long Sequence)> _queue = new();
    private long _sequence;
    private int _shoppers, _sales, _walkIns;

    public int Pending => _queue.Count;

    /// <summary>How busy this simulated day is: the chain's mid-run promotion day, a weekend (store-local, Asia/Shanghai), or an ordinary day (1).</summary>
    public double TrafficFactor(int day, DateTimeOffset dayStart) =>
        day == options.Days / 2 ? PromotionFactor
        : dayStart.ToOffset(TimeSpan.FromHours(8)).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? WeekendFactor
        : 1;

    /// <summary>Takes the next action due before <paramref name="end"/>, in time order.</summary>
    public bool TryTakeBefore(TimeSpan end, out SimAction action)
    {
        if (_queue.TryPeek(out var next, out var key) && key.At < end)
        {
            action = _queue.Dequeue();
            return true;
        }
        action = next!;
        return false;
    }

    /// <summary>Over the first 60% of the run most stores download the poster, and most of those post it within 5 days.</summary>
    public void PlanCampaignExecution()
    {
        var span = TimeSpan.FromDays(options.Days);
        foreach (var store in stores)
        {
            if (!Chance(AssetDownloadShare)) continue;
            var downloaded = span * Between(0.02, 0.6);
            Add(new AckAction(downloaded, store, "downloaded"));
            if (Chance(AssetPostShare)) Add(new AckAction(downloaded + Days(0.1, 5), store, "posted"));
        }
    }

    /// <summary>The day's new shoppers (scans in bursts) and walk-in sales, with everything that follows from them.</summary>
    public void PlanDay(int day, double factor)
    {
        var start = TimeSpan.FromDays(day);
        foreach (var store in stores)
        {
            var scans = Poisson(options.ScansPerStorePerDay * factor);
            var bursts = Enumerable.Range(0, Math.Max(1, (int)Math.Round(scans / ScansPerBurst))).Select(_ => Between(0.04, 0.96)).ToArray();
            for (var i = 0; i < scans; i++)
            {
                var centre = bursts[_rng.Next(bursts.Length)];
                var at = start + TimeSpan.FromDays(centre) + TimeSpan.FromMinutes(Normal() * BurstSpreadMinutes);
                PlanShopper(store, Clamp(at, start, start + TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1)));
            }
            for (var i = Poisson(WalkInPurchasesPerStorePerDay * factor); i > 0; i--)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"walkin-{runTag}-{++_walkIns}");
                PlanSale(null, store, id, start + Days(0, 1));
            }
        }
    }

    private void PlanShopper(ChainStore store, TimeSpan at)
    {
        var n = ++_shoppers;
        var codeClerk = Chance(ClerkCodeShare) ? Pick(store.ClerkIds) : null;
        // Through WeCom, a shopper recruited by a clerk's code is that clerk's WeCom customer; the rest scan on the web.
        var shopperId = options.WeCom is not null && codeClerk is not null ? DemoWeCom.ShopperId(runTag, n) : string.Create(CultureInfo.InvariantCulture, $"wx-{runTag}-{n}");
        var shopper = new Shopper(shopperId, store, codeClerk, codeClerk ?? Pick(store.ClerkIds));
        string Id(string what) => string.Create(CultureInfo.InvariantCulture, $"{runTag}-{n}-{what}");

        Add(new ScanAction(at, shopper, Id("scan1"), Repeat: false));
        if (Chance(RepeatScanShare)) Add(new ScanAction(at + Days(0.5, 6), shopper, Id("scan2"), Repeat: true));

        var last = at;
        var trialDone = false;
        if (Chance(TrialBookingShare))
        {
            var booked = at + Hours(2, 48);
            var slot = booked + Days(1, 4);
            Add(new EventAction(booked, shopper, "trial-booked", Id("trial"), ByStaff: false, Slot: slot));
            last = booked;
            if (Chance(TrialCompletionShare))
            {
                last = slot + Hours(0, 2);
                Add(new EventAction(last, shopper, "trial-completed", Id("trial-done"), ByStaff: true));
                trialDone = true;
            }
        }
        if (Chance(trialDone ? QuestionAfterTrialShare : QuestionWithoutTrialShare))
        {
            last = trialDone ? last + Days(0.2, 2) : at + Days(0.5, 5);
            Add(new EventAction(last, shopper, "question-asked", Id("ask"), ByStaff: false, QuestionId: "q1"));
            if (Chance(AnswerShare))
            {
                last += Hours(0.5, 6);
                Add(new EventAction(last, shopper, "question-answered", Id("answer"), ByStaff: true, QuestionId: "q1"));
            }
        }
        if (Chance(ComplaintShare)) Add(new EventAction(at + Days(1, 10), shopper, "complaint", Id("complaint"), ByStaff: false));

        if (!Chance(trialDone ? PurchaseAfterTrialShare : PurchaseWithoutTrialShare)) return;
        var buyAt = trialDone ? last + Days(0.2, 3) : Chance(0.5) ? at + Hours(0.1, 1) : at + Days(1, 14);
        if (buyAt < last) buyAt = last + Hours(1, 4); // a purchase ends the journey: after the shopper's Q&A, not before
        PlanSale(shopper, Chance(CrossStoreShare) ? OtherStore(store) : store, shopper.ShopperId, buyAt);
        if (Chance(RepurchaseShare)) PlanSale(shopper, store, shopper.ShopperId, buyAt + Days(3, 12));
    }

    private void PlanSale(Shopper? shopper, ChainStore sellingStore, string shopperId, TimeSpan at)
    {
        var lines = Enumerable.Range(0, 1 + _rng.Next(3))
            .Select(_ => Pick(Catalogue))
            .DistinctBy(p => p.Sku)
            .Select(p => new SaleLine(p.Sku, Chance(0.2) ? 2 : 1, p.Price))
            .ToList();
        var sale = new Sale(string.Create(CultureInfo.InvariantCulture, $"p-{runTag}-{++_sales}"), sellingStore, shopper, shopperId, lines);
        Add(new PurchaseAction(at, sale));
    }

    /// <summary>Another store, of the same region when it has one ("transact everywhere", mostly nearby).</summary>
    private ChainStore OtherStore(ChainStore store)
    {
        var others = stores.Where(s => s != store && s.Region == store.Region).ToList();
        if (others.Count == 0) others = [.. stores.Where(s => s != store)];
        return others.Count == 0 ? store : Pick(others);
    }

    private void Add(SimAction action) => _queue.Enqueue(action, (action.At, ++_sequence));

    private bool Chance(double p) => _rng.NextDouble() < p;

    private double Between(double min, double max) => min + _rng.NextDouble() * (max - min);

    private TimeSpan Days(double min, double max) => TimeSpan.FromDays(Between(min, max));

    private TimeSpan Hours(double min, double max) => TimeSpan.FromHours(Between(min, max));

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private static TimeSpan Clamp(TimeSpan t, TimeSpan min, TimeSpan max) => t < min ? min : t > max ? max : t;

    /// <summary>Standard normal (Box–Muller).</summary>
    private double Normal() => Math.Sqrt(-2 * Math.Log(1 - _rng.NextDouble())) * Math.Cos(2 * Math.PI * _rng.NextDouble());

    /// <summary>Poisson counts (Knuth) for small means; a rounded normal for large ones.</summary>
    private int Poisson(double mean)
    {
        if (mean > 50) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal()));
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = _rng.NextDouble(); p > limit; p *= _rng.NextDouble()) k++;
        return k;
    }
}
