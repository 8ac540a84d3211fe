namespace Funnel.App.Demo;

/// <summary>The numbers the demo compares: what it sent (as the app acknowledged it) against what the app counts.</summary>
internal readonly record struct Tally(
    long Scans, long Leads, long TrialsBooked, long TrialsCompleted, long Questions, long Complaints,
    long Purchases, decimal Revenue, long StoreSales, decimal StoreSalesRevenue)
{
    public static Tally operator +(Tally a, Tally b) => new(
        a.Scans + b.Scans, a.Leads + b.Leads, a.TrialsBooked + b.TrialsBooked, a.TrialsCompleted + b.TrialsCompleted, a.Questions + b.Questions,
        a.Complaints + b.Complaints, a.Purchases + b.Purchases, a.Revenue + b.Revenue, a.StoreSales + b.StoreSales, a.StoreSalesRevenue + b.StoreSalesRevenue);

    public static Tally operator -(Tally a, Tally b) => new(
        a.Scans - b.Scans, a.Leads - b.Leads, a.TrialsBooked - b.TrialsBooked, a.TrialsCompleted - b.TrialsCompleted, a.Questions - b.Questions,
        a.Complaints - b.Complaints, a.Purchases - b.Purchases, a.Revenue - b.Revenue, a.StoreSales - b.StoreSales, a.StoreSalesRevenue - b.StoreSalesRevenue);

    public static Tally Add(Tally left, Tally right) => left + right;

    public static Tally Subtract(Tally left, Tally right) => left - right;

    /// <summary>The same numbers with the queue-fed ones (purchases, sales) taken from <paramref name="other"/>.</summary>
    public Tally WithQueueFedFrom(Tally other) => this with
    {
        Purchases = other.Purchases, Revenue = other.Revenue, StoreSales = other.StoreSales, StoreSalesRevenue = other.StoreSalesRevenue,
    };
}

/// <summary>A point-in-time copy of the run's counters, for the per-day progress line.</summary>
internal sealed record StatsSnapshot(
    Tally Total, long Answered, long PurchasePosts, long Duplicates, long WalkIns, long CrossStore, long Acks, long Skipped);

/// <summary>What the demo sent, counted only when the app acknowledged it (2xx; a journey event only when applied).</summary>
internal sealed class DemoStats
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Tally> _byStore = new(StringComparer.Ordinal);
    private long _answered, _posts, _duplicates, _walkIns, _crossStore, _acks, _skipped;

    public void Add(string storeId, Tally delta)
    {
        lock (_lock) _byStore[storeId] = _byStore.GetValueOrDefault(storeId) + delta;
    }

    public IReadOnlyDictionary<string, Tally> ByStore()
    {
        lock (_lock) return new Dictionary<string, Tally>(_byStore, StringComparer.Ordinal);
    }

    public void Answered() => Interlocked.Increment(ref _answered);
    public void PurchasePosted() => Interlocked.Increment(ref _posts);
    public void Duplicate() => Interlocked.Increment(ref _duplicates);
    public void WalkIn() => Interlocked.Increment(ref _walkIns);
    public void CrossStore() => Interlocked.Increment(ref _crossStore);
    public void Ack() => Interlocked.Increment(ref _acks);

    /// <summary>A step not sent because the shopper's scan had failed.</summary>
    public void Skipped() => Interlocked.Increment(ref _skipped);

    public StatsSnapshot Snapshot()
    {
        Tally total;
        lock (_lock) total = _byStore.Values.Aggregate(default(Tally), Tally.Add);
        return new StatsSnapshot(total, Interlocked.Read(ref _answered), Interlocked.Read(ref _posts), Interlocked.Read(ref _duplicates),
            Interlocked.Read(ref _walkIns), Interlocked.Read(ref _crossStore), Interlocked.Read(ref _acks), Interlocked.Read(ref _skipped));
    }
}
