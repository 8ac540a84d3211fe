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

/// <summary>A committed scan.</summary>
internal sealed record ScanCommit(ScanResult Result);

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
        _sameScan?.ForEach(p => p.Complete(new ScanCommit(outcome.Result with { Replayed = true })));
    }

    public override void Fail(Exception error)
    {
        _done.TrySetException(error);
        _sameScan?.ForEach(p => p.Fail(error));
    }
}

/// <summary>A sale's record to merge, if it is still as read (<paramref name="ETag"/>).</summary>
internal sealed record SaleUpdate(Azure.Data.Tables.TableEntity Entity, ETag ETag);

/// <summary>The refunded sale's record changed after it was read (another refund of it): read it again and retry.</summary>
internal sealed class RefundedSaleChangedException(string purchaseId) : Exception($"The refunded sale {purchaseId} changed while the refund was applied (another refund of it); it is retried.");

/// <summary>What applying a purchase part at a store came to; <see cref="Repeated"/> when it had been applied before.</summary>
internal sealed record PurchaseCommit(bool Repeated, PurchaseResult? Result);

/// <summary>A purchase part (the sale, or a cross-store credit) waiting in a store's lane.</summary>
internal sealed class PendingPurchase : PendingWork
{
    private readonly TaskCompletionSource<PurchaseCommit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingPurchase(PurchaseInput input, ETag memberETag, IReadOnlyDictionary<string, object?> record, SaleUpdate? refundedSale = null)
    {
        Input = input;
        MemberETag = memberETag;
        Record = record;
        RefundedSale = refundedSale;
    }

    /// <summary>For a refund's sale part: the refunded sale's record as it is to be written, conditional on the ETag it was read with.</summary>
    public SaleUpdate? RefundedSale { get; }

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
/// What committing a journey step came to: the journey as written (with its cohort seat), the store's settings at that
/// moment, whether the step had been written before (a retried activity), and whether another step of that version
/// was written instead (<see cref="Conflict"/>: <see cref="State"/> is the journey as stored, to decide again from).
/// </summary>
internal sealed record StepCommit(Funnel.Core.Journeys.JourneyState State, Stores.StoreSettings Settings, bool Repeated, bool Conflict = false);

/// <summary>A decided journey step waiting in its store's lane (see <see cref="Funnel.Core.Journeys.JourneyStep"/>).</summary>
internal sealed class PendingStep(Funnel.Core.Journeys.JourneyStep step) : PendingWork
{
    private readonly TaskCompletionSource<StepCommit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Funnel.Core.Journeys.JourneyStep Step { get; } = step;

    /// <summary>The step's fingerprint, written with the journey row.</summary>
    public string Fingerprint { get; } = Storage.JourneyRows.StepFingerprint(step);
    public string JourneyLeadId => Step.LeadId;
    public Task<StepCommit> Completion => _done.Task;

    // Journey steps do not write the membership row.
    public override string? LeadId => null;
    public override Member? KnownMember => null;

    public override void Refresh(Member? member, ETag etag) => throw new NotSupportedException();

    public void Complete(StepCommit outcome) => _done.TrySetResult(outcome);

    public override void Fail(Exception error) => _done.TrySetException(error);
}
