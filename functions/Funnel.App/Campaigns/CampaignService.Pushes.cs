using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core.Campaigns;

namespace Funnel.App.Campaigns;

/// <summary>Pushing a campaign to stores (batches on the campaign-push queue), its progress, the execution report and the chase.</summary>
internal sealed partial class CampaignService
{
    /// <summary>
    /// Records the push and enqueues its batches (at most 100 stores each) and, delayed until the chase time, the
    /// execution check. Unknown store ids are reported, not fatal. Assignments are upserts that never reset an
    /// ack, so pushing again is harmless.
    /// </summary>
    public async Task<PushStatus?> PushAsync(Campaign campaign, IReadOnlyList<string>? storeIds, string? region, CancellationToken cancellationToken)
    {
        var campaignId = campaign.CampaignId;
        var assets = await AssetsAsync(campaignId, cancellationToken);
        if (assets.Count == 0) return null;
        // "All stores" of a campaign with a target region means all stores of that region.
        if (storeIds is null && region is null) region = campaign.Region;
        var directory = await stores.ListAsync(region, cancellationToken);
        var known = directory.ToDictionary(s => s.StoreId, s => s.Region, StringComparer.Ordinal);
        var targets = storeIds is null
            ? directory.Select(s => new PushTarget(s.StoreId, s.Region)).ToList()
            : storeIds.Distinct(StringComparer.Ordinal).Where(known.ContainsKey).Select(s => new PushTarget(s, known[s])).ToList();
        var unknown = storeIds?.Distinct(StringComparer.Ordinal).Where(s => !known.ContainsKey(s)).ToList() ?? [];
        var pushId = Guid.NewGuid().ToString("N")[..12];
        var batches = targets.Chunk(MaxStoresPerMessage).ToList();
        var now = time.GetUtcNow();
        await tables.Campaigns.UpsertEntityAsync(new TableEntity(campaignId, PushKey)
        {
            ["PushId"] = pushId, ["PushedAt"] = now, ["Targeted"] = targets.Count, ["Batches"] = batches.Count,
            ["UnknownStoreIds"] = string.Join(',', unknown.Take(500)),
        }, TableUpdateMode.Replace, cancellationToken);
        var assetIds = assets.Select(a => a.AssetId).ToList();
        await Parallel.ForEachAsync(batches.Select((b, i) => (b, i)), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (x, ct) =>
            await queues.CampaignPush.SendMessageAsync(JsonSerializer.Serialize(new PushBatch("assign", campaignId, pushId, x.i, x.b, assetIds), JourneyRows.Json), ct));
        await SendCheckAsync(campaignId, pushId, TimeSpan.FromHours(options.Value.ChaseAfterHours), cancellationToken);
        return new PushStatus(pushId, now, targets.Count, batches.Count, 0, unknown);
    }

    /// <summary>The execution check, delayed by <paramref name="wait"/> of app time (at most 6 days a hop; it hops on until due).</summary>
    private async Task SendCheckAsync(string campaignId, string pushId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromTicks((long)(Math.Max(0, wait.Ticks) / journeyOptions.Value.TimeScale));
        await queues.CampaignPush.SendMessageAsync(JsonSerializer.Serialize(new PushBatch("check", campaignId, pushId, -1, [], []), JourneyRows.Json),
            visibilityTimeout: delay > TimeSpan.FromDays(6) ? TimeSpan.FromDays(6) : delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
    }

    /// <summary>A push batch: one assignment per store and asset, upserted 100 to a transaction, then the batch's done mark.</summary>
    public async Task ProcessAsync(PushBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Kind == "check")
        {
            var push = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(batch.CampaignId, PushKey, cancellationToken: cancellationToken);
            if (!push.HasValue || push.Value!.GetString("PushId") != batch.PushId) return; // a later push has its own check
            var due = (push.Value.GetDateTimeOffset("PushedAt") ?? default) + TimeSpan.FromHours(options.Value.ChaseAfterHours);
            if (due > time.GetUtcNow())
            {
                await SendCheckAsync(batch.CampaignId, batch.PushId, due - time.GetUtcNow(), cancellationToken);
                return;
            }
            await ChaseAsync(batch.CampaignId, cancellationToken);
            return;
        }
        var now = time.GetUtcNow();
        var rows = batch.Stores.SelectMany(s => batch.AssetIds.Select(a => new TableEntity(batch.CampaignId, $"{StorePrefix}{s.StoreId}|{a}")
        {
            ["StoreId"] = s.StoreId, ["AssetId"] = a, ["Region"] = s.Region, ["PushId"] = batch.PushId,
        }));
        foreach (var chunk in rows.Chunk(100))
        {
            // Merge: the status an ack wrote stays.
            await tables.Campaigns.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r)), cancellationToken);
        }
        await tables.Campaigns.UpsertEntityAsync(new TableEntity(batch.CampaignId, $"batch|{batch.PushId}|{batch.Batch:D5}") { ["DoneAt"] = now }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<PushStatus?> GetPushAsync(string campaignId, CancellationToken cancellationToken)
    {
        var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, PushKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        var pushId = e.GetString("PushId") ?? "";
        var done = 0;
        await foreach (var _ in tables.Campaigns.QueryAsync<TableEntity>(StoreRows.PrefixFilter(campaignId, $"batch|{pushId}|"), select: ["RowKey"], cancellationToken: cancellationToken)) done++;
        var unknown = e.GetString("UnknownStoreIds") is { Length: > 0 } u ? u.Split(',') : [];
        return new PushStatus(pushId, e.GetDateTimeOffset("PushedAt") ?? default, e.GetInt32("Targeted") ?? 0, e.GetInt32("Batches") ?? 0, done, unknown);
    }

    private async Task<List<(Assignment Assignment, TableEntity Row)>> AssignmentsAsync(string campaignId, string prefix, CancellationToken cancellationToken)
    {
        var list = new List<(Assignment, TableEntity)>();
        await foreach (var e in tables.Campaigns.QueryAsync<TableEntity>(StoreRows.PrefixFilter(campaignId, prefix), cancellationToken: cancellationToken))
        {
            var status = StatusOf(e);
            list.Add((new Assignment(e.GetString("StoreId") ?? "", e.GetString("Region") ?? "", e.GetString("AssetId") ?? "", status), e));
        }
        return list;
    }

    public async Task<ExecutionReport> ExecutionAsync(string campaignId, int? chaseAfterHours, CancellationToken cancellationToken)
    {
        var push = tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, PushKey, select: ["PushedAt"], cancellationToken: cancellationToken);
        var assignments = await AssignmentsAsync(campaignId, StorePrefix, cancellationToken);
        var pushed = await push;
        return ExecutionReport.Create(assignments.Select(a => a.Assignment), pushed.HasValue ? pushed.Value!.GetDateTimeOffset("PushedAt") : null,
            TimeSpan.FromHours(chaseAfterHours ?? options.Value.ChaseAfterHours), time.GetUtcNow());
    }

    /// <summary>The store has posted every asset of the campaign: its follow-up task, if any, is done.</summary>
    private async Task CloseFollowUpIfExecutedAsync(string storeId, string campaignId, CancellationToken cancellationToken)
    {
        var mine = await AssignmentsAsync(campaignId, $"{StorePrefix}{storeId}|", cancellationToken);
        if (mine.Any(a => a.Assignment.Status != AssignmentStatus.Posted)) return;
        try
        {
            await tables.Stores.DeleteEntityAsync(storeId, JourneyRows.CampaignTaskKey(campaignId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            // there was none
        }
    }

    /// <summary>The execution check after a push: every store not executed gets a follow-up task on its own list (once).</summary>
    private async Task ChaseAsync(string campaignId, CancellationToken cancellationToken)
    {
        var report = await ExecutionAsync(campaignId, null, cancellationToken);
        var now = time.GetUtcNow();
        var task = new Core.Journeys.ClerkTask($"campaign-{campaignId}", "campaign-not-executed", now, campaignId, ForStore: true);
        foreach (var storeId in report.NotExecuted)
        {
            await tables.Stores.UpsertEntityAsync(JourneyRows.TaskRow(storeId, JourneyRows.CampaignTaskKey(campaignId), null, null, task), TableUpdateMode.Replace, cancellationToken);
        }
    }
}
