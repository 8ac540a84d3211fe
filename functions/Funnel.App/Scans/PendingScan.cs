using Azure;
using Funnel.Core.Scans;

namespace Funnel.App.Scans;

internal sealed class StoreNotFoundException(string storeId)
    : Exception($"Store '{storeId}' does not exist.")
{
    public string StoreId { get; } = storeId;
}

/// <summary>A scan waiting in a store lane, with the ETag of the membership it was planned against.</summary>
internal sealed class PendingScan(ScanInput input, ETag memberETag)
{
    private readonly TaskCompletionSource<ScanResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<PendingScan>? _sameScan;

    public ScanInput Input { get; private set; } = input;
    public ETag MemberETag { get; private set; } = memberETag;
    public Task<ScanResult> Completion => _done.Task;

    public void Refresh(Member? member, ETag etag)
    {
        Input = Input with { KnownMember = member };
        MemberETag = etag;
    }

    /// <summary>Another request with the same scan key, in flight at the same time: it gets this one's outcome.</summary>
    public void Attach(PendingScan sameScan) => (_sameScan ??= []).Add(sameScan);

    public void Complete(ScanResult outcome)
    {
        _done.TrySetResult(outcome);
        _sameScan?.ForEach(p => p.Complete(outcome with { Replayed = true }));
    }

    public void Fail(Exception error)
    {
        _done.TrySetException(error);
        _sameScan?.ForEach(p => p.Fail(error));
    }
}
