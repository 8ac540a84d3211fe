using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Journeys;
using Funnel.Core.Scans;

namespace Funnel.App.Lanes;

/// <summary>A plan that writes nothing (a transaction of clean-ups only).</summary>
internal sealed class EmptyPlan : IStorePlan
{
    public static EmptyPlan Instance { get; } = new();
    public int Accepted => 0;
    public IReadOnlyList<Group> ChangedGroups => [];
    public IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas => new Dictionary<CounterKey, FunnelCounts>();
    public IReadOnlyList<MemberWrite> MemberWrites => [];
    public int ActionCount => 0;
}

/// <summary>A scan plan plus the journey rows its new leads start (written first, as the lane's own rows).</summary>
internal sealed class ScanWithJourneysPlan(ScanPlan scans, int journeyActions) : IStorePlan
{
    public int Accepted => scans.Accepted;
    public IReadOnlyList<Group> ChangedGroups => scans.ChangedGroups;
    public IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas => scans.CounterDeltas;
    public IReadOnlyList<MemberWrite> MemberWrites => scans.MemberWrites;
    public int ActionCount => scans.ActionCount + journeyActions;
}

/// <summary>The table actions of one <see cref="JourneyWrite"/>, the journey row first (so a stale read fails there).</summary>
internal static class JourneyTransaction
{
    public static JourneyOutbox? Add(List<(TableTransactionAction, LaneAction)> actions, string storeId, JourneyWrite write, ETag etag, DateTimeOffset now)
    {
        var lead = write.LeadId;
        var after = write.After;
        var row = JourneyRows.Journey(storeId, after);
        actions.Add((write.Stored is null
            ? new TableTransactionAction(TableTransactionActionType.Add, row)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, etag), LaneAction.JourneyRow(lead)));

        JourneyOutbox? outbox = null;
        if (write.Messages.Count > 0)
        {
            var messages = write.Messages
                .Select((m, i) => new OutboundMessage($"{storeId}:{lead}:{after.Version}:{i}", storeId, lead, after.ClerkId, m.Template, m.At))
                .ToList();
            var outboxRow = JourneyRows.Outbox(storeId, lead, after.Version, now, messages);
            outbox = new JourneyOutbox(outboxRow.RowKey, messages);
            actions.Add((new(TableTransactionActionType.Add, outboxRow), LaneAction.Journey(lead)));
        }
        foreach (var (owner, task) in write.TasksClosed)
        {
            actions.Add((new(TableTransactionActionType.Delete, new TableEntity(storeId, JourneyRows.TaskKey(owner, task, lead)), ETag.All), LaneAction.Journey(lead)));
        }
        foreach (var (owner, task) in write.TasksOpened)
        {
            actions.Add((new(TableTransactionActionType.UpsertReplace, JourneyRows.Task(storeId, lead, owner, task)), LaneAction.Journey(lead)));
        }
        if (write.DueMoved)
        {
            if (write.Stored?.NextTimerAt is { } old)
            {
                actions.Add((new(TableTransactionActionType.Delete, new TableEntity(storeId, JourneyRows.DueTimerKey(old, lead)), ETag.All), LaneAction.Journey(lead)));
            }
            if (after.NextTimerAt is { } next)
            {
                actions.Add((new(TableTransactionActionType.UpsertReplace, JourneyRows.DueTimer(storeId, lead, next)), LaneAction.Journey(lead)));
            }
        }
        return outbox;
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
