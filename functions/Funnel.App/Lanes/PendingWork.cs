using Azure;
using Funnel.Core.Purchases;
using Funnel.Core.Scans;

namespace Funnel.App.Lanes;

internal sealed class StoreNotFoundException(string storeId)
    : Exception($"Store '{storeId}' does not exist.")
{
    public string StoreId { get; } = storeId;
}

/// <summary>Something waiting in a store lane to be written to the store's partition.</summary>
internal abstract class PendingWork
{
    /// <summary>The lead whose membership this work writes, if any.</summary>
    public abstract string? LeadId { get; }

    /// <summary>The ETag of the membership as it was read (the write is conditional on it).</summary>
    public ETag MemberETag { get; protected set; }

    public abstract Member? KnownMember { get; }

    /// <summary>The membership was read again after storage refused a write conditional on the old one.</summary>
    public abstract void Refresh(Member? member, ETag etag);

    public abstract void Fail(Exception error);
}

/// <summary>A committed scan, with the journey it started in the same transaction (a lead new to the store).</summary>
internal sealed record ScanCommit(ScanResult Result, JourneyCommit? Journey);

/// <summary>A scan waiting in its store's lane.</summary>
internal sealed class PendingScan : PendingWork
{
    private readonly TaskCompletionSource<ScanCommit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<PendingScan>? _sameScan;

    public PendingScan(ScanInput input, ETag memberETag)
    {
        Input = input;
        MemberETag = memberETag;
    }

    public ScanInput Input { get; private set; }
    public Task<ScanCommit> Completion => _done.Task;
    public override string? LeadId => Input.LeadId;
    public override Member? KnownMember => Input.KnownMember;

    /// <summary>Storage refused the journey this scan would start (a journey row was there after all): leave it to the journey path.</summary>
    public bool NoJourneyStart { get; set; }

    public override void Refresh(Member? member, ETag etag)
    {
        Input = Input with { KnownMember = member };
        MemberETag = etag;
    }

    /// <summary>Another request with the same scan id, in flight at the same time: it gets this one's outcome.</summary>
    public void Attach(PendingScan sameScan) => (_sameScan ??= []).Add(sameScan);

    public void Complete(ScanCommit outcome)
    {
        _done.TrySetResult(outcome);
        _sameScan?.ForEach(p => p.Complete(new ScanCommit(outcome.Result with { Replayed = true }, null)));
    }

    public override void Fail(Exception error)
    {
        _done.TrySetException(error);
        _sameScan?.ForEach(p => p.Fail(error));
    }
}

/// <summary>What applying a purchase part at a store came to; <see cref="Repeated"/> when it had been applied before.</summary>
internal sealed record PurchaseCommit(bool Repeated, PurchaseResult? Result);

/// <summary>A purchase part (the sale, or a cross-store credit) waiting in a store's lane.</summary>
internal sealed class PendingPurchase : PendingWork
{
    private readonly TaskCompletionSource<PurchaseCommit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingPurchase(PurchaseInput input, ETag memberETag, IReadOnlyDictionary<string, object?> record)
    {
        Input = input;
        MemberETag = memberETag;
        Record = record;
    }

    public PurchaseInput Input { get; private set; }

    /// <summary>Properties of the purchase record (sale part) or credit marker (credit part) this part inserts.</summary>
    public IReadOnlyDictionary<string, object?> Record { get; }

    public Task<PurchaseCommit> Completion => _done.Task;
    public override string? LeadId => Input.Credits ? Input.LeadId : null;

    /// <summary>Two deliveries of the same purchase part are one: they write one row (one transaction may not hold the same row twice).</summary>
    public (PurchasePart Part, string SellingStoreId, string PurchaseId) Key => (Input.Part, Input.Purchase.StoreId, Input.Purchase.PurchaseId);

    private List<PendingPurchase>? _samePurchase;

    /// <summary>Another delivery of the same part in flight at the same time: it is a repeat of this one.</summary>
    public void Attach(PendingPurchase same) => (_samePurchase ??= []).Add(same);
    public override Member? KnownMember => Input.Member;

    public override void Refresh(Member? member, ETag etag)
    {
        Input = Input with { Member = member };
        MemberETag = etag;
    }

    public void Complete(PurchaseCommit outcome)
    {
        _done.TrySetResult(outcome);
        _samePurchase?.ForEach(p => p.Complete(new PurchaseCommit(true, null)));
    }

    public override void Fail(Exception error)
    {
        _done.TrySetException(error);
        _samePurchase?.ForEach(p => p.Fail(error));
    }
}

/// <summary>
/// What a batch did to a journey. <see cref="Write"/> (rows written, messages to send) is given to one of the
/// lead's pending items per transaction, the last, so its messages are dispatched once.
/// </summary>
internal sealed record JourneyCommit(Funnel.Core.Journeys.JourneyOutcome Outcome, Funnel.Core.Journeys.JourneyWrite? Write, JourneyOutbox? Outbox);

/// <summary>An outbox row written with a journey: the messages to send, then the row to delete.</summary>
internal sealed record JourneyOutbox(string RowKey, IReadOnlyList<Storage.OutboundMessage> Messages);

/// <summary>Events for one lead's journey waiting in its store's lane, with the journey row as last read.</summary>
internal sealed class PendingJourney : PendingWork
{
    private readonly TaskCompletionSource<JourneyCommit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingJourney(string leadId, IReadOnlyList<Funnel.Core.Journeys.JourneyEvent> events, Funnel.Core.Journeys.JourneyState? stored, ETag etag)
    {
        JourneyLeadId = leadId;
        Events = events;
        Stored = stored;
        ETag = etag;
    }

    public string JourneyLeadId { get; }
    public IReadOnlyList<Funnel.Core.Journeys.JourneyEvent> Events { get; }
    public Funnel.Core.Journeys.JourneyState? Stored { get; private set; }

    /// <summary>The journey row's ETag as read (default: no row was there, so the write is an insert).</summary>
    public ETag ETag { get; private set; }

    public Task<JourneyCommit> Completion => _done.Task;

    // Journeys do not write the membership row.
    public override string? LeadId => null;
    public override Member? KnownMember => null;

    public override void Refresh(Member? member, ETag etag) => throw new NotSupportedException();

    public void RefreshJourney(Funnel.Core.Journeys.JourneyState? stored, ETag etag)
    {
        Stored = stored;
        ETag = etag;
    }

    public void Complete(JourneyCommit outcome) => _done.TrySetResult(outcome);

    public override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>A row to delete once convenient (an outbox whose messages went out): it rides along with the lane's next transaction.</summary>
internal sealed class PendingCleanup(string rowKey) : PendingWork
{
    public string RowKey { get; } = rowKey;
    public override string? LeadId => null;
    public override Member? KnownMember => null;

    public override void Refresh(Member? member, ETag etag) => throw new NotSupportedException();

    public override void Fail(Exception error)
    {
        // Nothing waits for a cleanup: an outbox row left behind is found by the sweep, which sends and deletes it.
    }
}
