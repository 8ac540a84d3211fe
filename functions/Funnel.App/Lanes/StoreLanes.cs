using System.Collections.Concurrent;
using System.Diagnostics;
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
/// purchase parts, journey steps) and a loop that takes all the work waiting and writes it in one entity-group transaction
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
    /// <summary>What one Table Storage entity-group transaction holds (the planners in the core are told, not assumed to know).</summary>
    public const int MaxTransactionActions = 100;

    private readonly FunnelTables _tables = tables;
    private readonly StoreRepository _stores = stores;
    private readonly LeadRepository _leads = leads;
    private readonly JourneyRepository _journeys = journeys;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, StoreLane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Settings read for a store whose lane has loaded nothing yet (a repeated purchase writes nothing), with when.</summary>
    private readonly ConcurrentDictionary<string, (StoreSettings Settings, long ReadAt)> _settings = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _stopped;

    /// <summary>Commits a scan: the seat, the counter and the membership.</summary>
    public Task<ScanCommit> CommitScanAsync(string storeId, ScanInput input, ETag memberETag)
    {
        var pending = new PendingScan(input, memberETag);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>Applies one part of a purchase at <paramref name="storeId"/>, inserting a row with <paramref name="record"/>'s properties.</summary>
    public Task<PurchaseCommit> CommitPurchaseAsync(string storeId, PurchaseInput input, ETag memberETag, IReadOnlyDictionary<string, object?> record, SaleUpdate? refundedSale = null)
    {
        var pending = new PendingPurchase(input, memberETag, record, refundedSale);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>
    /// Writes a decided journey step (journey row, tasks, counts, cohort seat) in one transaction, unless the journey
    /// row shows the step written already (a retried activity), in which case nothing is written.
    /// </summary>
    public Task<StepCommit> CommitStepAsync(string storeId, JourneyStep step)
    {
        var pending = new PendingStep(step);
        LaneFor(storeId).Enqueue(pending);
        return pending.Completion;
    }

    /// <summary>The store's settings from its lane's cache when fresh, otherwise from storage.</summary>
    public async ValueTask<StoreSettings?> GetSettingsAsync(string storeId, CancellationToken cancellationToken)
    {
        if (_lanes.TryGetValue(storeId, out var lane) && lane.State is { } state && IsFresh(state)) return state.Settings;
        if (_settings.TryGetValue(storeId, out var read) && IsFresh(Stopwatch.GetElapsedTime(read.ReadAt))) return read.Settings;
        var settings = await _stores.GetAsync(storeId, cancellationToken);
        // A store that does not exist is not remembered: it may be created the next moment.
        if (settings is not null) _settings[storeId] = (settings, Stopwatch.GetTimestamp());
        return settings;
    }

    /// <summary>Drops a lane's cache, e.g. after the store's settings changed.</summary>
    public void Invalidate(string storeId)
    {
        _settings.TryRemove(storeId, out _);
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
    private bool IsFresh(LaneState state) => IsFresh(state.Age);

    private bool IsFresh(TimeSpan age) => age < TimeSpan.FromSeconds(options.Value.StoreSettingsCacheSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch for store {StoreId} failed; {Count} waiting items answered with an error")]
    private static partial void LogBatchFailed(ILogger logger, Exception error, string storeId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Store {StoreId}: storage refused a transaction ({Status}) at {Action} (lead {LeadId}); recovering")]
    private static partial void LogRefused(ILogger logger, string storeId, int status, string action, [Extensions.Pseudonymous] string? leadId);
}
