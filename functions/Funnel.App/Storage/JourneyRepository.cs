using Azure;
using Azure.Data.Tables;
using Funnel.Core.Journeys;

namespace Funnel.App.Storage;

/// <summary>An open follow-up as listed for a store or clerk.</summary>
internal sealed record TaskRow(string TaskId, string LeadId, string? ClerkId, string Kind, DateTimeOffset DueAt, string? Ref);

/// <summary>Reads of journey rows: one lead's journey, a store's open tasks.</summary>
internal sealed class JourneyRepository(FunnelTables tables)
{
    public async Task<(JourneyState State, ETag ETag)?> ReadAsync(string storeId, string leadId, CancellationToken cancellationToken) =>
        await ReadWithStepAsync(storeId, leadId, cancellationToken) is { } row ? (row.State, row.ETag) : null;

    /// <summary>The journey row with the fingerprint of the step that wrote it.</summary>
    public async Task<(JourneyState State, ETag ETag, string? Step)?> ReadWithStepAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, JourneyRows.JourneyKey(leadId), cancellationToken: cancellationToken);
        return row.HasValue ? (JourneyRows.ToJourney(row.Value!), row.Value!.ETag, row.Value!.GetString("Step")) : null;
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
}
