using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;

namespace Funnel.App.Audience;

/// <summary>What a broadcast says: text, or a campaign asset (the text then carries a tracked link to it).</summary>
internal sealed record BroadcastContent(string? Text, string? CampaignId, string? AssetId);

/// <summary>A broadcast as created: to a segment, from <see cref="SendAt"/>, conversions counted for <see cref="WindowDays"/> days after each send.</summary>
internal sealed record Broadcast(
    string BroadcastId, string SegmentId, BroadcastContent Content, DateTimeOffset SendAt, int WindowDays, DateTimeOffset CreatedAt, string CreatedBy, string? OwnerStoreId);

/// <summary>One targeted lead: its row key (batch and lead), store, and what became of it.</summary>
internal sealed record BroadcastTarget(string RowKey, string LeadId, string StoreId, string Status, string? Reason, string? Outcome, string? OutcomeReason,
    DateTimeOffset? QueuedAt, DateTimeOffset? OpenedAt, DateTimeOffset? ConvertedAt, ETag ETag);

/// <summary>
/// A broadcast's partition in table "broadcasts" (PartitionKey = broadcastId): "broadcast" (the definition and its
/// progress: status, targeted, batches) and one row per targeted lead, "t|{batch:00000}|{leadId}", so a batch is one
/// range query. A target's <c>Status</c> is pending, queued (handed to the channel with a stable message id) or
/// skipped (with a reason); the channel's <c>Outcome</c> (sent, failed, withheld) and the lead's open and conversion
/// are merged into it later.
/// </summary>
internal sealed class BroadcastStore(FunnelTables tables)
{
    public const string HeaderKey = "broadcast";
    public const string TargetPrefix = "t|";
    public const string Pending = "pending";
    public const string Queued = "queued";
    public const string Skipped = "skipped";

    public static string TargetKey(int batch, string leadId) => string.Create(CultureInfo.InvariantCulture, $"{TargetPrefix}{batch:D5}|{leadId}");

    public static string BatchPrefix(int batch) => string.Create(CultureInfo.InvariantCulture, $"{TargetPrefix}{batch:D5}|");

    public async Task<(Broadcast Broadcast, bool Created)> AddAsync(Broadcast b, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Broadcasts.AddEntityAsync(new TableEntity(b.BroadcastId, HeaderKey)
            {
                ["Definition"] = System.Text.Json.JsonSerializer.Serialize(b, SegmentStore.Json), ["Status"] = "scheduled",
            }, cancellationToken);
            return (b, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return ((await GetAsync(b.BroadcastId, cancellationToken))!.Value.Broadcast, false);
        }
    }

    public async Task<(Broadcast Broadcast, TableEntity Header)?> GetAsync(string broadcastId, CancellationToken cancellationToken)
    {
        var row = await tables.Broadcasts.GetEntityIfExistsAsync<TableEntity>(broadcastId, HeaderKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var b = System.Text.Json.JsonSerializer.Deserialize<Broadcast>(row.Value!.GetString("Definition") ?? "null", SegmentStore.Json)
            ?? throw new InvalidDataException($"Broadcast {broadcastId} has no definition.");
        return (b, row.Value);
    }

    public Task SetProgressAsync(string broadcastId, string status, int? targeted, int? batches, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var row = new TableEntity(broadcastId, HeaderKey) { ["Status"] = status, [status + "At"] = at };
        if (targeted is { } t) row["Targeted"] = t;
        if (batches is { } n) row["Batches"] = n;
        return tables.Broadcasts.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Writes the targets (a re-run first removes what a crashed run left: nothing was sent before targeting finished).</summary>
    public async Task WriteTargetsAsync(string broadcastId, IReadOnlyList<(string LeadId, string StoreId)> targets, int batchSize, CancellationToken cancellationToken)
    {
        await Rows.DeleteWhereAsync(tables.Broadcasts, StoreRows.PrefixFilter(broadcastId, TargetPrefix), cancellationToken);
        var rows = targets.Select((t, i) => new TableEntity(broadcastId, TargetKey(i / batchSize, t.LeadId)) { ["LeadId"] = t.LeadId, ["StoreId"] = t.StoreId, ["Status"] = Pending });
        foreach (var chunk in rows.Chunk(100))
        {
            await tables.Broadcasts.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
        }
    }

    public async Task<List<BroadcastTarget>> TargetsAsync(string broadcastId, string prefix, CancellationToken cancellationToken)
    {
        var list = new List<BroadcastTarget>();
        await foreach (var e in tables.Broadcasts.QueryAsync<TableEntity>(StoreRows.PrefixFilter(broadcastId, prefix), cancellationToken: cancellationToken))
        {
            list.Add(ToTarget(e));
        }
        return list;
    }

    /// <summary>One target, by its row key (one point read), or null when it is gone.</summary>
    public async Task<BroadcastTarget?> TargetAsync(string broadcastId, string rowKey, CancellationToken cancellationToken)
    {
        var row = await tables.Broadcasts.GetEntityIfExistsAsync<TableEntity>(broadcastId, rowKey, cancellationToken: cancellationToken);
        return row.HasValue ? ToTarget(row.Value!) : null;
    }

    private static BroadcastTarget ToTarget(TableEntity e) =>
        new(e.RowKey, e.GetString("LeadId") ?? "", e.GetString("StoreId") ?? "", e.GetString("Status") ?? Pending, e.GetString("Reason"),
            e.GetString("Outcome"), e.GetString("OutcomeReason"), e.GetDateTimeOffset("QueuedAt"), e.GetDateTimeOffset("OpenedAt"), e.GetDateTimeOffset("ConvertedAt"), e.ETag);

    /// <summary>Merges fields into a target row (idempotent: each field is what it is, however often it is written).</summary>
    public async Task MergeTargetAsync(string broadcastId, string rowKey, IReadOnlyDictionary<string, object?> fields, CancellationToken cancellationToken)
    {
        var row = new TableEntity(broadcastId, rowKey);
        foreach (var (k, v) in fields) row[k] = v;
        try
        {
            await tables.Broadcasts.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // the target is gone (its lead was erased): nothing to record
        }
    }

    /// <summary>Sets a first-time field (an open, a conversion) unless it is set: the first one counts.</summary>
    public async Task MarkOnceAsync(string broadcastId, string rowKey, string field, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var row = await tables.Broadcasts.GetEntityIfExistsAsync<TableEntity>(broadcastId, rowKey, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetDateTimeOffset(field) is not null) return;
        try
        {
            await tables.Broadcasts.UpdateEntityAsync(new TableEntity(broadcastId, rowKey) { [field] = at }, row.Value.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            // set meanwhile, or erased
        }
    }

    public Task DeleteTargetAsync(string broadcastId, string rowKey, CancellationToken cancellationToken) =>
        tables.Broadcasts.DeleteEntityAsync(broadcastId, rowKey, ETag.All, cancellationToken);
}
