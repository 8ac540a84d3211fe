namespace Funnel.Dev.Demo;

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

/// <summary>
/// What the journeys made of the events the demo sent: applied; a duplicate of our own retry (counted, as its first
/// attempt was applied); a duplicate otherwise (not counted; unexpected, as every event id is new); ignored by the
/// stage; failed; and still pending when last asked. <see cref="Resent"/> were sent again after waiting in vain.
/// <see cref="Followed"/> of them were followed to their outcome
/// within the shopper's wait, in <see cref="WaitedMs"/> in all (from the 202 to the answer that was not pending).
/// </summary>
internal readonly record struct EventOutcomes(
    long Applied, long RetryDuplicates, long OtherDuplicates, long Ignored, long Failed, long Pending, long Followed = 0, long WaitedMs = 0, long Resent = 0)
{
    public static EventOutcomes operator -(EventOutcomes a, EventOutcomes b) => new(
        a.Applied - b.Applied, a.RetryDuplicates - b.RetryDuplicates, a.OtherDuplicates - b.OtherDuplicates, a.Ignored - b.Ignored,
        a.Failed - b.Failed, a.Pending - b.Pending, a.Followed - b.Followed, a.WaitedMs - b.WaitedMs, a.Resent - b.Resent);

    /// <summary>The mean wait for an outcome, in seconds (0 when none was followed).</summary>
    public double MeanWaitSeconds => Followed == 0 ? 0 : WaitedMs / 1000.0 / Followed;

    public static EventOutcomes Subtract(EventOutcomes left, EventOutcomes right) => left - right;
}

/// <summary>A point-in-time copy of the run's counters, for the per-day progress line.</summary>
internal sealed record StatsSnapshot(
    Tally Total, long Answered, long PurchasePosts, long Duplicates, long WalkIns, long CrossStore, long Acks, long Skipped, EventOutcomes Events);

/// <summary>What the demo sent, counted only when the app acknowledged it (2xx; a journey event only once its outcome is applied).</summary>
internal sealed class DemoStats
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Tally> _byStore = new(StringComparer.Ordinal);
    private long _answered, _posts, _duplicates, _walkIns, _crossStore, _acks, _skipped;
    private long _applied, _retryDuplicates, _otherDuplicates, _ignored, _failed, _pending, _followed, _waitedMs, _maxWaitMs, _resent;

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

    /// <summary>A journey event's outcome, once known (<paramref name="attempts"/>: of its POST).</summary>
    public void EventOutcome(string outcome, int attempts)
    {
        switch (outcome)
        {
            case "applied": Interlocked.Increment(ref _applied); break;
            case "duplicate" when attempts > 1: Interlocked.Increment(ref _retryDuplicates); break;
            case "duplicate": Interlocked.Increment(ref _otherDuplicates); break;
            case "failed": Interlocked.Increment(ref _failed); break;
            default: Interlocked.Increment(ref _ignored); break;
        }
    }

    /// <summary>How long a journey event took from its 202 to its outcome (when the shopper's wait saw it).</summary>
    public void EventWaited(TimeSpan waited)
    {
        var ms = (long)waited.TotalMilliseconds;
        Interlocked.Increment(ref _followed);
        Interlocked.Add(ref _waitedMs, ms);
        for (var max = Interlocked.Read(ref _maxWaitMs); ms > max; max = Interlocked.Read(ref _maxWaitMs))
        {
            if (Interlocked.CompareExchange(ref _maxWaitMs, ms, max) == max) break;
        }
    }

    /// <summary>The longest a journey event took to its outcome, within a shopper's wait.</summary>
    public TimeSpan MaxEventWait => TimeSpan.FromMilliseconds(Interlocked.Read(ref _maxWaitMs));

    /// <summary>A journey event sent again (same id) after its outcome stayed pending.</summary>
    public void EventResent() => Interlocked.Increment(ref _resent);

    /// <summary>A journey event still pending when the shopper went on.</summary>
    public void EventPending() => Interlocked.Increment(ref _pending);

    /// <summary>An event that was pending got an answer.</summary>
    public void EventResolved() => Interlocked.Decrement(ref _pending);

    public StatsSnapshot Snapshot()
    {
        Tally total;
        lock (_lock) total = _byStore.Values.Aggregate(default(Tally), Tally.Add);
        return new StatsSnapshot(total, Interlocked.Read(ref _answered), Interlocked.Read(ref _posts), Interlocked.Read(ref _duplicates),
            Interlocked.Read(ref _walkIns), Interlocked.Read(ref _crossStore), Interlocked.Read(ref _acks), Interlocked.Read(ref _skipped),
            new EventOutcomes(Interlocked.Read(ref _applied), Interlocked.Read(ref _retryDuplicates), Interlocked.Read(ref _otherDuplicates),
                Interlocked.Read(ref _ignored), Interlocked.Read(ref _failed), Interlocked.Read(ref _pending), Interlocked.Read(ref _followed),
                Interlocked.Read(ref _waitedMs), Interlocked.Read(ref _resent)));
    }
}
