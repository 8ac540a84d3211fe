using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using Funnel.Core.Purchases;
using Funnel.Core.Scans;
using Microsoft.Extensions.Options;

namespace Funnel.App.Lanes;

/// <summary>
/// The one writer of each store's partition in this instance. Every store has a lane: a queue of work (scans,
/// purchase parts, journey events, outbox clean-ups) and a loop that takes all the work waiting and writes it in one entity-group transaction
/// (group commit). A burst at one store costs a handful of transactions instead of one per event and never
/// fights itself over the group and counter ETags; other instances are kept honest by those ETags.
/// </summary>
internal sealed partial class StoreLanes(
    FunnelTables tables,
    StoreRepository stores,
    LeadRepository leads,
    JourneyRepository journeys,
    TimeProvider time,
    IOptions<FunnelOptions> options,
    ILogger<StoreLanes> logger) : IDisposable
{
    private readonly FunnelTables _tables = tables;
    private readonly StoreRepository _stores = stores;
    private readonly LeadRepository _leads = leads;
    private readonly JourneyRepository _journeys = journeys;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, StoreLane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _stopped;

    /// <summary>Commits a scan; a lead new to the store starts its journey in the same transaction.</summary>
    public Task<ScanCommit> CommitScanAsync(string storeId, ScanInput input, ETag memberETag)
    {
        var pending = new PendingScan(input, memberETag);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>Applies one part of a purchase at <paramref name="storeId"/>, inserting a row with <paramref name="record"/>'s properties.</summary>
    public Task<PurchaseCommit> CommitPurchaseAsync(string storeId, PurchaseInput input, ETag memberETag, IReadOnlyDictionary<string, object?> record)
    {
        var pending = new PendingPurchase(input, memberETag, record);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>Applies <paramref name="events"/> to a lead's journey, <paramref name="stored"/> as read with <paramref name="etag"/> (default: no journey row).</summary>
    public Task<JourneyCommit> CommitJourneyAsync(string storeId, string leadId, IReadOnlyList<JourneyEvent> events, JourneyState? stored, ETag etag)
    {
        var pending = new PendingJourney(leadId, events, stored, etag);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>Deletes a row with the store's next transaction (an outbox whose messages went out). Nothing waits for it.</summary>
    public void Cleanup(string storeId, string rowKey)
    {
        if (!_stopped) LaneFor(storeId).Enqueue(new PendingCleanup(rowKey));
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
        if (_lanes.TryGetValue(storeId, out var lane)) lane.Invalidate();
    }

    /// <summary>
    /// Stops taking work, lets every lane finish what it holds, then cancels what is still waiting on storage.
    /// (The token source is left to the collector: lane loops may still observe it.)
    /// </summary>
    public void Dispose()
    {
        _stopped = true;
        foreach (var lane in _lanes.Values) lane.Stop();
        _stopping.CancelAfter(TimeSpan.FromSeconds(5));
    }

    private StoreLane LaneFor(string storeId) =>
        _stopped ? throw new OperationCanceledException("The app is shutting down.") : _lanes.GetOrAdd(storeId, id => new StoreLane(this, id));

    /// <summary>
    /// The window is real seconds (<see cref="LaneState.Age"/>): under Journeys:TimeScale a window measured on the app's
    /// clock expired within milliseconds, and every batch reloaded the store's partition.
    /// </summary>
    private bool IsFresh(LaneState state) => state.Age < TimeSpan.FromSeconds(options.Value.StoreSettingsCacheSeconds);

    /// <summary>
    /// One store's queue and the loop that commits it. Lanes live as long as the app: one per active store,
    /// a channel and a parked task each, a few KB for thousands of stores.
    /// </summary>
    private sealed class StoreLane
    {
        /// <summary>More than fit in one transaction, so a full batch is never short of work.</summary>
        private const int MaxTaken = ScanPlanner.MaxTransactionActions;

        private static readonly TimeSpan CleanupLinger = TimeSpan.FromSeconds(2);

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
                    if (batch.All(p => p is PendingCleanup) && batch.Count < MaxTaken && await LingerAsync())
                    {
                        while (batch.Count < MaxTaken && reader.TryRead(out var next)) Join(batch, next);
                    }
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
        /// Clean-ups alone wait a moment for other work to ride along with (so under load they cost no transaction
        /// of their own). True when more work arrived.
        /// </summary>
        private async Task<bool> LingerAsync()
        {
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(_owner._stopping.Token);
            linger.CancelAfter(CleanupLinger);
            try
            {
                return await _queue.Reader.WaitToReadAsync(linger.Token);
            }
            catch (OperationCanceledException) when (!_owner._stopping.IsCancellationRequested)
            {
                return false;
            }
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

            var work = batch.Where(p => p is not PendingCleanup).ToList();
            var run = work.Count == 0 ? [] : work.TakeWhile(p => p.GetType() == work[0].GetType()).ToList();
            var (plan, own, complete) = run.FirstOrDefault() switch
            {
                null => (EmptyPlan.Instance, [], (Action<IReadOnlyList<Response>>)(_ => { })),
                PendingScan => PlanScans(state, run.Cast<PendingScan>().ToList(), now),
                PendingPurchase => PlanPurchases(state, run.Cast<PendingPurchase>().ToList()),
                _ => PlanJourneys(state, run.Cast<PendingJourney>().ToList(), batch, now),
            };

            if (run.Count > 0 && plan.Accepted == 0)
            {
                // The first item alone does not fit in one transaction: refuse it, or the lane would spin on it.
                batch.Remove(run[0]);
                run[0].Fail(new InvalidOperationException($"Store {_storeId}: one piece of work needs more than {ScanPlanner.MaxTransactionActions} rows in a transaction."));
                return;
            }
            var (actions, what) = state.BuildTransaction(_storeId, plan, run, own);
            var cleanups = batch.OfType<PendingCleanup>().Take(ScanPlanner.MaxTransactionActions - actions.Count).ToList();
            foreach (var cleanup in cleanups)
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(_storeId, cleanup.RowKey), ETag.All));
                what.Add(LaneAction.Delete(cleanup));
            }
            try
            {
                IReadOnlyList<Response> responses = [];
                if (actions.Count > 0)
                {
                    responses = (await _owner._tables.Stores.SubmitTransactionAsync(actions, _owner._stopping.Token)).Value;
                    state.Apply(what, responses);
                }
                foreach (var done in run.Take(plan.Accepted).Concat(cleanups)) batch.Remove(done);
                complete(responses);
                _refusalsInARow = 0;
            }
            catch (TableTransactionFailedException e)
            {
                var failed = e.FailedTransactionActionIndex is { } i && i < what.Count ? what[i] : null;
                LogRefused(_owner._logger, _storeId, e.Status, failed?.ToString() ?? "unknown action");
                if (++_refusalsInARow > MaxRefusalsInARow)
                {
                    _refusalsInARow = 0;
                    throw new InvalidOperationException($"Store {_storeId}: storage refused {MaxRefusalsInARow} transactions in a row.", e);
                }
                await RecoverAsync(e.Status, failed, batch, e.Message);
            }
        }

        /// <summary>
        /// Scans, and the journeys that leads new to the store start, in one transaction: a seat is never given without
        /// its journey (the welcome's outbox is written with it). Fewer scans are taken when the journeys would not fit.
        /// </summary>
        private (IStorePlan, List<(TableTransactionAction, LaneAction)>, Action<IReadOnlyList<Response>>) PlanScans(LaneState state, List<PendingScan> scans, DateTimeOffset now)
        {
            for (var take = scans.Count; ; )
            {
                var plan = ScanPlanner.Plan(state.Policy, state.Groups, [.. scans.Take(take).Select(p => p.Input)], now);
                var starting = Enumerable.Range(0, plan.Accepted)
                    .Where(i => plan.Results[i] is { IsNewAtStore: true, Replayed: false } && !scans[i].NoJourneyStart)
                    .ToList();
                var journeys = JourneyPlanner.Plan(state.Policy, state.JourneyPolicy, plan.Groups, _storeId,
                    [.. starting.Select(i => new JourneyInput(scans[i].Input.LeadId, null,
                        [new Scanned(now, scans[i].Input.Code.ClerkId, scans[i].Input.ScanId is { } id ? JourneyEvents.ScanEventId(id) : null)]))],
                    ScanPlanner.MaxTransactionActions - plan.ActionCount);
                if (journeys.Accepted < starting.Count)
                {
                    // Fewer scans: those before the first journey that did not fit (their scan rows shrink, so their
                    // journeys fit), or, when that is the very first scan, half as many. One scan always fits.
                    take = starting[journeys.Accepted] > 0 ? starting[journeys.Accepted] : Math.Max(1, take / 2);
                    continue;
                }
                var own = new List<(TableTransactionAction, LaneAction)>(journeys.ActionCount);
                var started = new Dictionary<int, JourneyCommit>();
                for (var j = 0; j < starting.Count; j++)
                {
                    var write = journeys.Writes.Single(w => w.LeadId == journeys.Results[j].LeadId);
                    var outbox = JourneyTransaction.Add(own, _storeId, write, default, now);
                    started[starting[j]] = new JourneyCommit(journeys.Results[j], write, outbox);
                }
                return (new ScanWithJourneysPlan(plan, journeys.ActionCount), own, _ =>
                {
                    for (var i = 0; i < plan.Accepted; i++) scans[i].Complete(new ScanCommit(plan.Results[i], started.GetValueOrDefault(i)));
                });
            }
        }

        private (IStorePlan, List<(TableTransactionAction, LaneAction)>, Action<IReadOnlyList<Response>>) PlanPurchases(LaneState state, List<PendingPurchase> purchases)
        {
            var plan = PurchasePlanner.Plan(state.Policy, state.Groups, [.. purchases.Select(p => p.Input)]);
            List<(TableTransactionAction, LaneAction)> own = [.. purchases.Take(plan.Accepted)
                .Select(p => (new TableTransactionAction(TableTransactionActionType.Add, PurchaseRow(p)), LaneAction.Insert(p)))];
            return (plan, own, _ =>
            {
                for (var i = 0; i < plan.Accepted; i++) purchases[i].Complete(new PurchaseCommit(false, plan.Results[i]));
            });
        }

        /// <summary>
        /// Journey events: decided in order per lead, each changed journey written with its outbox, tasks and due
        /// entry. The last of a lead's items in the transaction gets the write (its messages go out once); a lead's
        /// items that did not fit continue from the state and ETag just written.
        /// </summary>
        private (IStorePlan, List<(TableTransactionAction, LaneAction)>, Action<IReadOnlyList<Response>>) PlanJourneys(
            LaneState state, List<PendingJourney> journeys, List<PendingWork> batch, DateTimeOffset now)
        {
            // Every item of a lead starts from the newest journey any of them read (and its ETag), so the write's
            // base state and its condition always belong together.
            foreach (var lead in journeys.GroupBy(p => p.JourneyLeadId, StringComparer.Ordinal))
            {
                var newest = lead.MaxBy(p => p.Stored?.Version ?? -1)!;
                foreach (var p in lead) if (!ReferenceEquals(p, newest)) p.RefreshJourney(newest.Stored, newest.ETag);
            }
            var plan = JourneyPlanner.Plan(state.Policy, state.JourneyPolicy, state.Groups, _storeId,
                [.. journeys.Select(p => new JourneyInput(p.JourneyLeadId, p.Stored, p.Events))]);
            var own = new List<(TableTransactionAction, LaneAction)>(plan.ActionCount);
            var outboxes = new Dictionary<string, JourneyOutbox>(StringComparer.Ordinal);
            foreach (var write in plan.Writes)
            {
                var etag = journeys.First(p => p.JourneyLeadId == write.LeadId).ETag;
                var outbox = JourneyTransaction.Add(own, _storeId, write, etag, now);
                if (outbox is not null) outboxes[write.LeadId] = outbox;
            }
            var writes = plan.Writes.ToDictionary(w => w.LeadId, StringComparer.Ordinal);
            return (plan, own, responses =>
            {
                var etags = JourneyTransaction.JourneyETags(own, responses);
                for (var i = 0; i < plan.Accepted; i++)
                {
                    var lead = journeys[i].JourneyLeadId;
                    var last = !journeys.Skip(i + 1).Take(plan.Accepted - i - 1).Any(p => p.JourneyLeadId == lead);
                    journeys[i].Complete(new JourneyCommit(plan.Results[i], last ? writes.GetValueOrDefault(lead) : null, last ? outboxes.GetValueOrDefault(lead) : null));
                }
                foreach (var waiting in batch.OfType<PendingJourney>())
                {
                    if (writes.TryGetValue(waiting.JourneyLeadId, out var w) && etags.TryGetValue(w.LeadId, out var etag)) waiting.RefreshJourney(w.After, etag);
                }
            });
        }

        private TableEntity PurchaseRow(PendingPurchase p)
        {
            var key = p.Input.Part == PurchasePart.Sale ? StoreRows.PurchaseKey(p.Input.Purchase.PurchaseId) : StoreRows.CreditKey(p.Input.Purchase.StoreId, p.Input.Purchase.PurchaseId);
            var row = new TableEntity(_storeId, key);
            foreach (var (name, value) in p.Record) row[name] = value;
            return row;
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
                    PendingJourney pj => pj.Events.Select(e => e.At).Append(now),
                    _ => [now],
                })
                .Select(state.Policy.LocalDay).Distinct().Where(d => !state.Covers(d));
            foreach (var day in days.ToList())
            {
                state.AddDay(day, await _owner._stores.GetCountersAsync(_storeId, day, day, _owner._stopping.Token));
            }
            return state;
        }

        private async Task RecoverAsync(int status, LaneAction? failed, List<PendingWork> batch, string reason)
        {
            if (failed?.Cleanup is { } gone && status == StatusCodes.Status404NotFound)
            {
                // Deleted already (the sweep sent that outbox and removed it): nothing left to do.
                batch.Remove(gone);
                return;
            }
            if (failed?.JourneyLeadId is { } journeyLead)
            {
                // A scan's journey start met a journey row after all: the scan goes alone, the journey path takes over.
                foreach (var scan in batch.OfType<PendingScan>().Where(p => p.Input.LeadId == journeyLead)) scan.NoJourneyStart = true;
                var pending = batch.OfType<PendingJourney>().Where(p => p.JourneyLeadId == journeyLead).ToList();
                if (failed.IsJourneyRow && status is StatusCodes.Status412PreconditionFailed or StatusCodes.Status409Conflict)
                {
                    // The journey changed since it was read (another instance): read it again and decide again.
                    var journey = await _owner._journeys.ReadAsync(_storeId, journeyLead, _owner._stopping.Token);
                    pending.ForEach(p => p.RefreshJourney(journey?.State, journey?.ETag ?? default));
                    return;
                }
                // Storage will not take this journey's other rows as planned (a task or due row not as the state
                // says): fail its events rather than retry them forever, and let the neighbours through.
                var notWritten = new InvalidOperationException($"Store {_storeId}: storage refused the rows of journey {journeyLead} ({status}): {reason}");
                foreach (var p in pending)
                {
                    batch.Remove(p);
                    p.Fail(notWritten);
                }
                return;
            }
            if (failed?.InsertOf is PendingPurchase repeated && status == StatusCodes.Status409Conflict)
            {
                // The purchase record (or credit marker) exists: this part was applied before.
                batch.Remove(repeated);
                repeated.Complete(new PurchaseCommit(true, null));
                return;
            }
            if (failed?.InsertOf is PendingPurchase refused && status is >= 400 and < 500 and not StatusCodes.Status412PreconditionFailed)
            {
                // Storage will never take this row (e.g. a value out of its range): fail the item, not its neighbours.
                batch.Remove(refused);
                refused.Fail(new Purchases.PurchaseRejectedException($"Storage refused the purchase record ({status}): {reason}"));
                return;
            }
            if (failed?.MemberLeadId is { } leadId)
            {
                // The membership changed since it was read (another batch, instance or a retry of the same scan):
                // read it again; a retried scan id then shows up in it and is answered as a replay.
                var member = await _owner._leads.ReadMemberAsync(_storeId, leadId, _owner._stopping.Token);
                foreach (var p in batch.Where(p => p.LeadId == leadId))
                {
                    p.Refresh(member?.Member, member?.ETag ?? default);
                }
                return;
            }
            // A group or counter row moved under us (another instance or writer): read the partition again.
            State = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch for store {StoreId} failed; {Count} waiting items answered with an error")]
    private static partial void LogBatchFailed(ILogger logger, Exception error, string storeId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {StoreId}: storage refused a transaction ({Status}) at {Action}; recovering")]
    private static partial void LogRefused(ILogger logger, string storeId, int status, string action);
}
