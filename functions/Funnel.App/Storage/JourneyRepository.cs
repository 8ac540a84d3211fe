using Azure;
using Azure.Data.Tables;
using Funnel.Core.Journeys;

namespace Funnel.App.Storage;

/// <summary>An open follow-up as listed for a store or clerk.</summary>
internal sealed record TaskRow(string TaskId, string LeadId, string? ClerkId, string Kind, DateTimeOffset DueAt, string? Ref);

/// <summary>Reads of journey rows: one lead's journey, a store's open tasks, what is due at a store.</summary>
internal sealed class JourneyRepository(FunnelTables tables)
{
    public async Task<(JourneyState State, ETag ETag)?> ReadAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, JourneyRows.JourneyKey(leadId), cancellationToken: cancellationToken);
        return row.HasValue ? (JourneyRows.ToJourney(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>Open tasks in due order: every task of the store, or one owner's (a clerk id, or "-" for the store's own).</summary>
    public async Task<IReadOnlyList<TaskRow>> ListTasksAsync(string storeId, string? owner, CancellationToken cancellationToken)
    {
        var prefix = owner is null ? JourneyRows.TaskPrefix : JourneyRows.TaskOwnerPrefix(owner);
        var tasks = new List<TaskRow>();
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(StoreRows.PrefixFilter(storeId, prefix), cancellationToken: cancellationToken))
        {
            tasks.Add(new TaskRow(e.GetString("TaskId") ?? "", e.GetString("LeadId") ?? "", e.GetString("ClerkId"),
                e.GetString("Kind") ?? "", e.GetDateTimeOffset("DueAt") ?? default, e.GetString("Ref")));
        }
        return [.. tasks.OrderBy(t => t.DueAt)];
    }

    /// <summary>Every "due|" row of the store at or before <paramref name="upTo"/>: timers due and outboxes left behind.</summary>
    public async Task<IReadOnlyList<TableEntity>> ListDueAsync(string storeId, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {storeId} and RowKey ge {JourneyRows.DuePrefix} and RowKey le {JourneyRows.DueUpTo(upTo)}");
        var rows = new List<TableEntity>();
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken)) rows.Add(e);
        return rows;
    }
}
