using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Purchases;
using Funnel.Core.Scans;

namespace Funnel.App.Lanes;

/// <summary>A store lane: its loop (take what waits, plan it, commit it in one transaction) and its recovery when storage refuses.</summary>
internal sealed partial class StoreLanes
{
    /// <summary>
    /// One store's queue and the loop that commits it. Lanes live as long as the app: one per active store,
    /// a channel and a parked task each, a few KB for thousands of stores.
    /// </summary>
    private sealed partial class StoreLane
    {
        /// <summary>More than fit in one transaction, so a full batch is never short of work.</summary>
        private const int MaxTaken = MaxTransactionActions;

        /// <summary>Refusals in a row without a commit before the lane gives up on its batch (each refusal fixes one cause).</summary>
        private const int MaxRefusalsInARow = 2 * MaxTaken;

        private readonly StoreLanes _owner;
        private readonly string _storeId;
        private readonly Channel<PendingWork> _queue = Channel.CreateUnbounded<PendingWork>(new UnboundedChannelOptions { SingleReader = true });
        private int _refusalsInARow;
        private int _invalidations;

        public StoreLane(StoreLanes owner, string storeId)
        {
            _owner = owner;
            _storeId = storeId;
            _ = Task.Run(RunAsync);
        }

        public volatile LaneState? State;

        /// <summary>Drops the cache; a load that was under way when this happened is not kept.</summary>
        public void Invalidate()
        {
            Interlocked.Increment(ref _invalidations);
            State = null;
        }

        public void Enqueue(PendingWork work)
        {
            if (!_queue.Writer.TryWrite(work)) work.Fail(new OperationCanceledException("The app is shutting down."));
        }

        public void Stop() => _queue.Writer.TryComplete();

        private async Task RunAsync()
        {
            var batch = new List<PendingWork>();
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

        /// <summary>
        /// The same scan id, or the same purchase part, in flight twice is one piece of work: the later request
        /// shares the earlier one's outcome (a transaction may not write the same row twice).
        /// </summary>
        private static void Join(List<PendingWork> batch, PendingWork next)
        {
            switch (next)
            {
                case PendingScan { Input.ScanKey: { } key } scan when batch.OfType<PendingScan>().FirstOrDefault(p => p.Input.ScanKey == key) is { } first:
                    first.Attach(scan);
                    break;
                case PendingPurchase purchase when batch.OfType<PendingPurchase>().FirstOrDefault(p => p.Key == purchase.Key) is { } first:
                    first.Attach(purchase);
                    break;
                default:
                    batch.Add(next);
                    break;
            }
        }

        /// <summary>
        /// Commits as much work of one kind from the head of the batch as fits in one transaction, with as many
        /// clean-ups as still fit, or fixes what made storage refuse it. Either way, progress: the batch shrinks, a
        /// cause of refusal is gone, or an item that can never be written is failed and removed.
        /// </summary>
        private async Task CommitOnceAsync(List<PendingWork> batch)
        {
            var now = _owner._time.GetUtcNow();
            var state = await EnsureStateAsync(batch, now);
            if (state is null)
            {
                var missing = new StoreNotFoundException(_storeId);
                batch.ForEach(p => p.Fail(missing));
                batch.Clear();
                return;
            }

            var run = batch.TakeWhile(p => p.GetType() == batch[0].GetType()).ToList();
            if (run[0] is PendingStep)
            {
                run = await TakeStepsToWriteAsync(batch, run.Cast<PendingStep>().ToList(), state);
                if (run.Count == 0) return;
            }
            var (plan, own, complete) = run[0] switch
            {
                PendingScan => PlanScans(state, run.Cast<PendingScan>().ToList(), now),
                PendingPurchase => PlanPurchases(state, run.Cast<PendingPurchase>().ToList()),
                _ => PlanSteps(state, run.Cast<PendingStep>().ToList()),
            };
            if (plan.Accepted == 0)
            {
                // The first item alone does not fit in one transaction: refuse it, or the lane would spin on it.
                batch.Remove(run[0]);
                run[0].Fail(new InvalidOperationException($"Store {_storeId}: one piece of work needs more than {MaxTransactionActions} rows in a transaction."));
                return;
            }
            var (actions, what) = state.BuildTransaction(_storeId, plan, run, own);
            try
            {
                // Nothing to write (replayed scans only): nothing to submit.
                IReadOnlyList<Response> responses = actions.Count == 0 ? [] : (await _owner._tables.Stores.SubmitTransactionAsync(actions, _owner._stopping.Token)).Value;
                state.Apply(what, responses);
                RememberMembers(what, responses);
                foreach (var done in run.Take(plan.Accepted)) batch.Remove(done);
                complete(responses);
                _refusalsInARow = 0;
            }
            catch (TableTransactionFailedException e)
            {
                var failed = e.FailedTransactionActionIndex is { } i && i < what.Count ? what[i] : null;
                LogRefused(_owner._logger, _storeId, e.Status, failed?.Describe() ?? "unknown action", failed?.LeadId);
                if (++_refusalsInARow > MaxRefusalsInARow)
                {
                    _refusalsInARow = 0;
                    throw new InvalidOperationException($"Store {_storeId}: storage refused {MaxRefusalsInARow} transactions in a row.", e);
                }
                await RecoverAsync(e.Status, failed, batch, e.Message);
            }
        }

        /// <summary>Loads (or reloads) the partition's state, and the counter rows of every day the batch counts on.</summary>
        private async Task<LaneState?> EnsureStateAsync(List<PendingWork> batch, DateTimeOffset now)
        {
            var state = State;
            // A member seated in a group this cache has never seen (another instance opened it) is a cache miss.
            var unknownGroup = state is not null && batch.OfType<PendingScan>()
                .SelectMany(p => p.Input.KnownMember?.GroupIds ?? []).Any(g => state.Groups.All(x => x.GroupId != g));
            if (state is null || !_owner.IsFresh(state) || unknownGroup)
            {
                var invalidations = Volatile.Read(ref _invalidations);
                var rows = await _owner._stores.LoadScanStateAsync(_storeId, DateOnly.FromDateTime(now.UtcDateTime), _owner._stopping.Token);
                if (rows is null) return null;
                state = new LaneState(rows);
                if (Volatile.Read(ref _invalidations) == invalidations) State = state;
            }
            var days = batch.SelectMany(p => p switch
                {
                    PendingPurchase pp => [pp.Input.Purchase.PurchasedAt],
                    PendingStep ps => ps.Step.Metrics.Select(m => m.At),
                    _ => [now],
                })
                .Select(state.Policy.LocalDay).Distinct().Where(d => !state.Covers(d));
            foreach (var day in days.ToList())
            {
                state.AddDay(day, await _owner._stores.GetCountersAsync(_storeId, day, day, _owner._stopping.Token));
            }
            return state;
        }
    }
}
