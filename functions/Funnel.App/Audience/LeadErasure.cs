using Azure;
using Azure.Data.Tables;
using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.App.Storage;

namespace Funnel.App.Audience;

/// <summary>What an erasure removed: the stores visited, rows deleted or scrubbed, engine instances purged (false: nothing was held).</summary>
internal sealed record ErasureResult(bool Held, int Stores, int Rows, int Instances);

/// <summary>
/// Erases a lead (the right to erasure): every row that holds it, and its instances and their history in the durable
/// engine; aggregate counters (the store's funnel, group seat counts, KOC cards) stay as they are. It runs in steps,
/// each safe to repeat, after a marker row that lists the stores to visit (<see cref="PeopleStore.MarkErasingAsync"/>):
/// <list type="number">
/// <item>engine: each journey ("journey:{store}:{lead}") and the points expiry ("points:{lead}") terminated, then purged;</item>
/// <item>stores: at each store the membership, journey, tasks, tag index rows, message markers and KOC rows deleted,
/// and the lead's id scrubbed from purchase records (kept: they make a redelivered sale a repeat, not a new sale);</item>
/// <item>lead: its points ledger, channel identities, broadcast targets and its people partition (consent, received);</item>
/// <item>index: the lead's index row, last, then the marker.</item>
/// </list>
/// A crash half-way leaves the marker: the next DELETE, or <see cref="ErasureSweeper"/>, runs the steps again. A later scan
/// by the same person finds nothing and starts a new lead.
/// </summary>
internal sealed partial class LeadErasure(
    FunnelTables tables, PeopleStore people, LeadRepository leads, Lanes.StoreLanes lanes, TagStore tags, JourneyEngine engine, TimeProvider time,
    ILogger<LeadErasure> logger)
{
    private static readonly OrchestrationStatus[] Finished = [OrchestrationStatus.Completed, OrchestrationStatus.Terminated, OrchestrationStatus.Failed, OrchestrationStatus.Canceled];

    /// <summary>Called after each step with its name (tests stop an erasure half-way with it).</summary>
    internal Func<string, Task>? AfterStep { get; set; }

    public async Task<ErasureResult> EraseAsync(string leadId, CancellationToken cancellationToken)
    {
        var marker = await people.ErasingAsync(leadId, cancellationToken);
        IReadOnlyList<string> stores;
        if (marker is { } pending) stores = pending.Stores;
        else
        {
            var index = await leads.GetIndexAsync(leadId, cancellationToken);
            if (index is null && !await HasPointsAsync(leadId, cancellationToken)) return new ErasureResult(false, 0, 0, 0);
            stores = index?.StoreIds ?? [];
            await people.MarkErasingAsync(leadId, stores, time.GetUtcNow(), cancellationToken);
        }
        var instances = await PurgeEngineAsync(leadId, stores, cancellationToken);
        await StepAsync("engine");
        var rows = 0;
        foreach (var store in stores) rows += await EraseAtStoreAsync(store, leadId, cancellationToken);
        await StepAsync("stores");
        rows += await EraseBrandWideAsync(leadId, cancellationToken);
        await StepAsync("lead");
        await tables.Leads.DeleteEntityAsync(leadId, "lead", ETag.All, cancellationToken);
        await people.ClearErasingAsync(leadId, cancellationToken);
        LogErased(logger, stores.Count, rows, instances);
        return new ErasureResult(true, stores.Count, rows + 1, instances);
    }

    private async Task<bool> HasPointsAsync(string leadId, CancellationToken cancellationToken)
    {
        await foreach (var _ in tables.Points.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {leadId}"), maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            return true;
        }
        return false;
    }

    private async Task StepAsync(string name)
    {
        if (AfterStep is { } after) await after(name);
    }

    /// <summary>Terminates each instance that runs, waits until it stopped, and purges its history (an instance that never existed is no error).</summary>
    private async Task<int> PurgeEngineAsync(string leadId, IReadOnlyList<string> stores, CancellationToken cancellationToken)
    {
        var ids = stores.Select(s => JourneyJson.InstanceId(s, leadId)).Append(Points.PointsExpiryOrchestration.InstanceId(leadId)).ToList();
        var purged = 0;
        foreach (var id in ids)
        {
            var state = await engine.Client.GetOrchestrationStateAsync(id).WaitAsync(cancellationToken);
            if (state is null) continue;
            if (!Finished.Contains(state.OrchestrationStatus))
            {
                await engine.Client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = id }, "The lead asked to be erased.").WaitAsync(cancellationToken);
                for (var wait = 0; wait < 120; wait++)
                {
                    state = await engine.Client.GetOrchestrationStateAsync(id).WaitAsync(cancellationToken);
                    if (state is null || Finished.Contains(state.OrchestrationStatus)) break;
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                }
                if (state is not null && !Finished.Contains(state.OrchestrationStatus))
                {
                    throw new TimeoutException($"Engine instance {id} did not stop within 30 s; the erasure resumes later.");
                }
            }
            await engine.Service.PurgeInstanceHistoryAsync(id).WaitAsync(cancellationToken);
            purged++;
        }
        return purged;
    }

    private async Task<int> EraseAtStoreAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var ofLead = TableClient.CreateQueryFilter($"PartitionKey eq {storeId} and LeadId eq {leadId}");
        var rows = 0;
        // Purchase records and cross-store credits keep their place (idempotency), without the lead.
        var purchases = StoreRows.SalesOfLeadFilter(storeId, leadId);
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(purchases, cancellationToken: cancellationToken))
        {
            e.Remove("LeadId");
            e.Remove("PointsLeadId");
            e["LeadErased"] = true;
            await tables.Stores.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace, cancellationToken);
            rows++;
        }
        // The membership, tasks and tag index rows name the lead; the journey row is keyed by it.
        rows += await Rows.DeleteWhereAsync(tables.Stores, ofLead, cancellationToken,
            e => !e.RowKey.StartsWith(StoreRows.PurchasePrefix, StringComparison.Ordinal) && !e.RowKey.StartsWith(StoreRows.CreditPrefix, StringComparison.Ordinal));
        await tables.Stores.DeleteEntityAsync(storeId, JourneyRows.JourneyKey(leadId), ETag.All, cancellationToken);
        // This instance's memory of the membership goes with it, so a later scan starts a new lead (see the README on other instances).
        lanes.ForgetMember(storeId, leadId);
        leads.ForgetMember(storeId, leadId);
        tags.Forget(storeId, leadId);
        rows += await Rows.DeleteWhereAsync(tables.Deliveries, ofLead, cancellationToken);
        rows += await Rows.DeleteWhereAsync(tables.Kocs, ofLead, cancellationToken);
        rows += await Rows.DeleteWhereAsync(tables.Kocs, StoreRows.PrefixFilter(storeId, Kocs.KocRows.EntryPrefix + leadId + "|"), cancellationToken);
        return rows;
    }

    private async Task<int> EraseBrandWideAsync(string leadId, CancellationToken cancellationToken)
    {
        var (received, _) = await people.ReceivedAsync(leadId, cancellationToken);
        var rows = 0;
        foreach (var r in received.Where(r => r.TargetRow is not null))
        {
            await tables.Broadcasts.DeleteEntityAsync(r.BroadcastId, r.TargetRow!, ETag.All, cancellationToken);
            rows++;
        }
        rows += await Rows.DeletePartitionAsync(tables.Points, leadId, cancellationToken);
        rows += await Rows.DeletePartitionAsync(tables.Identities, leadId, cancellationToken);
        rows += await Rows.DeletePartitionAsync(tables.People, leadId, cancellationToken);
        return rows;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A lead was erased: {Stores} stores, {Rows} rows, {Instances} engine instances")]
    private static partial void LogErased(ILogger logger, int stores, int rows, int instances);
}

/// <summary>Finishes erasures a crash left half-done: at start and every minute, each marker older than a minute is run again.</summary>
internal sealed partial class ErasureSweeper(PeopleStore people, LeadErasure erasure, StorageInitializer storage, TimeProvider time, ILogger<ErasureSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await storage.Ready.WaitAsync(stoppingToken); // the tables exist
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ResumeAsync(Every, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // storage down, an instance that would not stop: the next round tries again (the host must not stop for it)
                LogNotYet(logger, e.Message);
            }
            await Task.Delay(Every, stoppingToken);
        }
    }

    /// <summary>Runs again every erasure begun at least <paramref name="olderThan"/> ago; answers how many.</summary>
    public async Task<int> ResumeAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var due = (await people.PendingErasuresAsync(cancellationToken)).Where(p => p.StartedAt <= time.GetUtcNow() - olderThan).ToList();
        foreach (var (leadId, _) in due) await erasure.EraseAsync(leadId, cancellationToken);
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Half-done erasures could not be resumed yet: {Reason}")]
    private static partial void LogNotYet(ILogger logger, string reason);
}
