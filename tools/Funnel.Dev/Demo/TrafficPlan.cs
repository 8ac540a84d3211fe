namespace Funnel.Dev.Demo;

/// <summary>One shopper of the simulation: who they are, where they scan, and (once scanned) their lead id.</summary>
internal sealed class Shopper(string shopperId, ChainStore home, string? codeClerkId, string servingClerkId)
{
    public string ShopperId { get; } = shopperId;
    public ChainStore Home { get; } = home;

    /// <summary>The clerk whose code they scan; null: the store's own code.</summary>
    public string? CodeClerkId { get; } = codeClerkId;

    /// <summary>The clerk who runs their trial and answers their questions (their recruiter, or whoever serves a store-code recruit first).</summary>
    public string ServingClerkId { get; } = servingClerkId;

    /// <summary>The code their scans use, chosen at their first scan (the planned one, or a KOC's).</summary>
    public string? Code { get; set; }

    /// <summary>Set by the first scan the app accepted; until then (or when it failed) the shopper's other steps are skipped.</summary>
    public string? LeadId { get; set; }

    /// <summary>The shopper session the latest scan answered (what the shopper's own events are sent with) and when it expires (app time).</summary>
    public (string Token, DateTimeOffset ExpiresAt)? Session { get; set; }

    /// <summary>Whether a scan of theirs at their home store was counted yet (the first one makes the lead new at the store).</summary>
    public bool CountedAtHome { get; set; }

    /// <summary>The first scan the app accepted: its planned time (from the start of the simulation) and the app's time when it was answered (estimated).</summary>
    public (TimeSpan Planned, DateTimeOffset AppTime)? FirstScan { get; set; }

    /// <summary>
    /// The shopper's last step in flight. Steps of one shopper run one after another (a question is never sent
    /// before the scan that made the lead has been answered), steps of different shoppers concurrently.
    /// </summary>
    private Task _last = Task.CompletedTask;

    /// <summary>Runs <paramref name="step"/> after the shopper's previous step; called by the single dispatching loop only.</summary>
    public Task Then(Func<Task> step) => _last = ThenAsync(_last, step);

    private static async Task ThenAsync(Task previous, Func<Task> step)
    {
        await previous;
        await step();
    }
}

/// <summary>Something that happens at a simulated time (an offset from the start of the simulation).</summary>
internal abstract record SimAction(TimeSpan At);

internal sealed record ScanAction(TimeSpan At, Shopper Shopper, string ScanId, bool Repeat) : SimAction(At);

/// <summary>A journey event: from the shopper's front end (no token) or from the serving clerk (<paramref name="ByStaff"/>).</summary>
internal sealed record EventAction(TimeSpan At, Shopper Shopper, string Type, string EventId, bool ByStaff, TimeSpan? Slot = null, string? QuestionId = null)
    : SimAction(At);

/// <summary>A sale the till reports.</summary>
internal sealed record PurchaseAction(TimeSpan At, Sale Sale) : SimAction(At);

/// <summary>A store acknowledging the campaign's poster: downloaded, later posted.</summary>
internal sealed record AckAction(TimeSpan At, ChainStore Store, string Action) : SimAction(At);

/// <summary>One sale: <see cref="Shopper"/> is null for a walk-in who never scanned (a store sale credited to nobody).</summary>
internal sealed class Sale(string purchaseId, ChainStore sellingStore, Shopper? shopper, string shopperId, IReadOnlyList<SaleLine> lines)
{
    public string PurchaseId { get; } = purchaseId;
    public ChainStore SellingStore { get; } = sellingStore;
    public Shopper? Shopper { get; } = shopper;
    public string ShopperId { get; } = shopperId;
    public IReadOnlyList<SaleLine> Lines { get; } = lines;
    public decimal Amount => Lines.Sum(l => l.Qty * l.Price);
}

internal sealed record SaleLine(string Sku, int Qty, decimal Price);
