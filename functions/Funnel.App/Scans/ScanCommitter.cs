using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure.Data.Tables;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Scans;
using Microsoft.Extensions.Options;

namespace Funnel.App.Scans;

/// <summary>
/// Commits scans store by store with group commit: every store has one lane that takes all the scans
/// waiting for it and writes them in one entity-group transaction (seats, counters, memberships, scan
/// records). A burst at one store costs a handful of transactions instead of one per scan, and never
/// fights itself over the group and counter ETags; other instances of the app are kept honest by those ETags.
/// </summary>
internal sealed partial class ScanCommitter(
    FunnelTables tables,
    StoreRepository stores,
    TimeProvider time,
    IOptions<FunnelOptions> options,
    ILogger<ScanCommitter> logger) : IDisposable
{
    private readonly FunnelTables _tables = tables;
    private readonly StoreRepository _stores = stores;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, StoreLane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    public Task<ScanResult> CommitAsync(string storeId, ScanInput input, Azure.ETag memberETag)
    {
        var pending = new PendingScan(input, memberETag);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>The store's settings from its lane's cache when fresh, otherwise from storage.</summary>
    public async ValueTask<StoreSettings?> GetSettingsAsync(string storeId, CancellationToken cancellationToken)
    {
        if (_lanes.TryGetValue(storeId, out var lane) && lane.State is { } state && IsFresh(state)) return state.Settings;
        return await _stores.GetAsync(storeId, cancellationToken);
    }

    /// <summary>Drops a lane's cache, e.g. after the store's settings changed.</summary>
    public void Invalidate(string storeId)
    {
        if (_lanes.TryGetValue(storeId, out var lane)) lane.State = null;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var lane in _lanes.Values) lane.Stop();
        _stopping.Dispose();
    }

    private StoreLane LaneFor(string storeId) => _lanes.GetOrAdd(storeId, id => new StoreLane(this, id));

    private bool IsFresh(LaneState state) =>
        _time.GetUtcNow() - state.LoadedAt < TimeSpan.FromSeconds(options.Value.StoreSettingsCacheSeconds);

    /// <summary>
    /// One store's queue of scans and the loop that commits them. Lanes live as long as the app: one per
    /// active store, a channel and a parked task each, a few KB for thousands of stores.
    /// </summary>
    private sealed class StoreLane
    {
        /// <summary>More than fit in one transaction, so a full batch is never short of work.</summary>
        private const int MaxTaken = ScanPlanner.MaxTransactionActions;

        private readonly ScanCommitter _owner;
        private readonly string _storeId;
        /// <summary>Refusals in a row without a commit before the lane gives up on its batch (each refusal fixes one cause).</summary>
        private const int MaxRefusalsInARow = 2 * MaxTaken;

        private readonly Channel<PendingScan> _queue = Channel.CreateUnbounded<PendingScan>(new UnboundedChannelOptions { SingleReader = true });
        private int _refusalsInARow;

        public StoreLane(ScanCommitter owner, string storeId)
        {
            _owner = owner;
            _storeId = storeId;
            _ = Task.Run(RunAsync);
        }

        public volatile LaneState? State;

        public void Enqueue(PendingScan scan)
        {
            if (!_queue.Writer.TryWrite(scan)) scan.Fail(new OperationCanceledException("The app is shutting down."));
        }

        public void Stop() => _queue.Writer.TryComplete();

        private async Task RunAsync()
        {
            var batch = new List<PendingScan>();
            var reader = _queue.Reader;
            while (true)
            {
                try
                {
                    if (batch.Count == 0 && !await reader.WaitToReadAsync(_owner._stopping.Token)) break;
                    while (batch.Count < MaxTaken && reader.TryRead(out var next)) Join(batch, next);
                    await CommitOnceAsync(batch);
                }
                catch (OperationCanceledException) when (_owner._stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    LogBatchFailed(_owner._logger, e, _storeId, batch.Count);
                    State = null;
                    batch.ForEach(p => p.Fail(e));
                    batch.Clear();
                }
            }
            var stopped = new OperationCanceledException("The app is shutting down.");
            batch.ForEach(p => p.Fail(stopped));
            while (reader.TryRead(out var left)) left.Fail(stopped);
        }

        /// <summary>Requests for the same scan id in flight together are one scan: they share one outcome.</summary>
        private static void Join(List<PendingScan> batch, PendingScan next)
        {
            var same = next.Input.ScanKey is null ? null : batch.Find(p => p.Input.ScanKey == next.Input.ScanKey);
            if (same is null) batch.Add(next);
            else same.Attach(next);
        }

        /// <summary>
        /// Commits as many scans from the head of the batch as fit in one transaction, or fixes what made storage
        /// refuse it. Either way, progress: the batch shrinks or a cause of refusal is gone.
        /// </summary>
        private async Task CommitOnceAsync(List<PendingScan> batch)
        {
            var now = _owner._time.GetUtcNow();
            var state = State;
            if (state is null || !_owner.IsFresh(state) || !state.Covers(state.Policy.LocalDay(now)))
            {
                var rows = await _owner._stores.LoadScanStateAsync(_storeId, DateOnly.FromDateTime(now.UtcDateTime), _owner._stopping.Token);
                if (rows is null)
                {
                    var missing = new StoreNotFoundException(_storeId);
                    batch.ForEach(p => p.Fail(missing));
                    batch.Clear();
                    return;
                }
                State = state = new LaneState(rows, now);
            }

            var plan = ScanPlanner.Plan(state.Policy, state.Groups, [.. batch.Select(p => p.Input)], now);
            var (actions, what) = state.BuildTransaction(_storeId, plan, batch);
            try
            {
                if (actions.Count > 0)
                {
                    var response = await _owner._tables.Stores.SubmitTransactionAsync(actions, _owner._stopping.Token);
                    state.Apply(what, response.Value);
                }
                for (var i = 0; i < plan.Accepted; i++) batch[i].Complete(plan.Results[i]);
                batch.RemoveRange(0, plan.Accepted);
                _refusalsInARow = 0;
            }
            catch (TableTransactionFailedException e)
            {
                var failed = e.FailedTransactionActionIndex is { } i && i < what.Count ? what[i] : null;
                LogRefused(_owner._logger, _storeId, e.Status, failed?.ToString() ?? "unknown action");
                if (++_refusalsInARow > MaxRefusalsInARow)
                {
                    _refusalsInARow = 0;
                    throw new InvalidOperationException($"Store {_storeId}: storage refused {MaxRefusalsInARow} scan transactions in a row.", e);
                }
                await RecoverAsync(failed, batch);
            }
        }

        private async Task RecoverAsync(LaneAction? failed, List<PendingScan> batch)
        {
            if (failed?.MemberLeadId is { } leadId)
            {
                // The membership changed since it was read (another batch, instance or a retry of the same scan):
                // read it again; a retried scan id then shows up in it and is answered as a replay.
                var member = await _owner._tables.Stores.GetEntityIfExistsAsync<TableEntity>(
                    _storeId, StoreRows.MemberKey(leadId), cancellationToken: _owner._stopping.Token);
                foreach (var p in batch.Where(p => p.Input.LeadId == leadId))
                {
                    p.Refresh(member.HasValue ? StoreRows.ToMember(member.Value!) : null, member.HasValue ? member.Value!.ETag : default);
                }
                return;
            }
            // A group or counter row moved under us (another instance): read the partition again.
            State = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan batch for store {StoreId} failed; {Count} scans answered with an error")]
    private static partial void LogBatchFailed(ILogger logger, Exception error, string storeId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {StoreId}: storage refused a scan transaction ({Status}) at {Action}; recovering")]
    private static partial void LogRefused(ILogger logger, string storeId, int status, string action);
}
