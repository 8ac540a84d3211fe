using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Journeys;

namespace Funnel.App.Lanes;

/// <summary>The table actions of one journey step, the journey row first (so a stale or repeated step fails there).</summary>
internal static class JourneyTransaction
{
    /// <param name="etag">The journey row as last seen; null: there is none, so the row is inserted.</param>
    public static void Add(List<(TableTransactionAction, LaneAction)> actions, string storeId, JourneyWrite write, string step, ETag? etag)
    {
        var lead = write.LeadId;
        var row = JourneyRows.Journey(storeId, write.After, step);
        actions.Add((etag is { } known
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, known)
            : new TableTransactionAction(TableTransactionActionType.Add, row), LaneAction.JourneyRow(lead)));
        foreach (var (owner, task) in write.TasksClosed)
        {
            actions.Add((new(TableTransactionActionType.Delete, new TableEntity(storeId, JourneyRows.TaskKey(owner, task, lead)), ETag.All), LaneAction.Journey(lead)));
        }
        foreach (var (owner, task) in write.TasksOpened)
        {
            actions.Add((new(TableTransactionActionType.UpsertReplace, JourneyRows.Task(storeId, lead, owner, task)), LaneAction.Journey(lead)));
        }
    }

    /// <summary>The ETag each journey row got, by lead (own actions come first in the transaction, so indexes match).</summary>
    public static Dictionary<string, ETag> JourneyETags(List<(TableTransactionAction Action, LaneAction What)> own, IReadOnlyList<Response> responses)
    {
        var etags = new Dictionary<string, ETag>(StringComparer.Ordinal);
        for (var i = 0; i < own.Count && i < responses.Count; i++)
        {
            if (own[i].What is { IsJourneyRow: true, JourneyLeadId: { } lead } && responses[i].Headers.ETag is { } etag) etags[lead] = etag;
        }
        return etags;
    }
}
