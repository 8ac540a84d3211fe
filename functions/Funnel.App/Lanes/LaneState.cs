using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.App.Lanes;

/// <summary>
/// A store lane's cached view of its partition: settings, groups and the counter rows of the days it has
/// loaded, each with the ETag it was last read or written with. Writes are conditional on those ETags, so a
/// stale cache can cost a retry but never a wrong count or an overfilled group.
/// </summary>
internal sealed class LaneState
{
    private readonly Dictionary<string, (Group Group, ETag ETag)> _groups;
    private readonly Dictionary<CounterKey, (FunnelCounts Counts, ETag ETag)> _counters;
    private readonly HashSet<DateOnly> _days;

    public LaneState(ScanStateRows rows, DateTimeOffset loadedAt)
    {
        Settings = rows.Settings;
        Policy = rows.Settings.Policy;
        LoadedAt = loadedAt;
        _groups = rows.Groups.ToDictionary(g => g.Group.GroupId, g => (g.Group, g.ETag), StringComparer.Ordinal);
        _counters = rows.Counters.ToDictionary(c => c.Key, c => (c.Counts, c.ETag));
        _days = [];
        for (var d = rows.FirstDay; d <= rows.LastDay; d = d.AddDays(1)) _days.Add(d);
    }

    public StoreSettings Settings { get; }
    public StorePolicy Policy { get; }
    public DateTimeOffset LoadedAt { get; }

    public IReadOnlyList<Group> Groups => [.. _groups.Values.Select(g => g.Group)];

    /// <summary>True when the counter rows of <paramref name="day"/> were loaded, so a missing row really does not exist.</summary>
    public bool Covers(DateOnly day) => _days.Contains(day);

    public void AddDay(DateOnly day, IEnumerable<(CounterKey Key, FunnelCounts Counts, ETag ETag)> rows)
    {
        foreach (var (key, counts, etag) in rows) _counters[key] = (counts, etag);
        _days.Add(day);
    }

    /// <summary>
    /// The transaction that commits <paramref name="plan"/> after <paramref name="inserts"/> (rows whose existence
    /// means "already done": a repeat fails the transaction on them first), and what each action is, in order.
    /// </summary>
    public (List<TableTransactionAction> Actions, List<LaneAction> What) BuildTransaction(
        string storeId, IStorePlan plan, IReadOnlyList<PendingWork> pending, IEnumerable<(TableEntity Row, PendingWork Of)> inserts)
    {
        var actions = new List<TableTransactionAction>(plan.ActionCount);
        var what = new List<LaneAction>(plan.ActionCount);
        foreach (var (row, of) in inserts)
        {
            actions.Add(new(TableTransactionActionType.Add, row));
            what.Add(LaneAction.Insert(of));
        }
        foreach (var write in plan.MemberWrites)
        {
            var entity = StoreRows.Member(storeId, write.Member);
            if (write.Kind == MemberWriteKind.Insert)
            {
                actions.Add(new(TableTransactionActionType.Add, entity));
            }
            else
            {
                var etag = pending.First(p => p.LeadId == write.Member.LeadId && p.KnownMember is not null).MemberETag;
                actions.Add(new(TableTransactionActionType.UpdateReplace, entity, etag));
            }
            what.Add(LaneAction.Member(write.Member.LeadId));
        }
        foreach (var group in plan.ChangedGroups)
        {
            var entity = StoreRows.Group(storeId, group);
            actions.Add(_groups.TryGetValue(group.GroupId, out var known)
                ? new(TableTransactionActionType.UpdateReplace, entity, known.ETag)
                : new(TableTransactionActionType.Add, entity));
            what.Add(LaneAction.Group(group));
        }
        foreach (var (key, delta) in plan.CounterDeltas)
        {
            if (_counters.TryGetValue(key, out var known))
            {
                var total = known.Counts + delta;
                actions.Add(new(TableTransactionActionType.UpdateReplace, StoreRows.Counter(storeId, key, total), known.ETag));
                what.Add(LaneAction.Counter(key, total));
            }
            else
            {
                actions.Add(new(TableTransactionActionType.Add, StoreRows.Counter(storeId, key, delta)));
                what.Add(LaneAction.Counter(key, delta));
            }
        }
        return (actions, what);
    }

    /// <summary>Takes in the committed groups and counters with the ETags storage gave them.</summary>
    public void Apply(IReadOnlyList<LaneAction> what, IReadOnlyList<Response> responses)
    {
        for (var i = 0; i < what.Count; i++)
        {
            var etag = responses[i].Headers.ETag ?? default;
            var action = what[i];
            if (action.GroupValue is { } group) _groups[group.GroupId] = (group, etag);
            else if (action.CounterKey is { } key) _counters[key] = (action.CounterValue, etag);
        }
    }
}

/// <summary>What one action of a lane transaction writes, to recover when storage refuses it.</summary>
internal sealed record LaneAction(PendingWork? InsertOf, string? MemberLeadId, Group? GroupValue, CounterKey? CounterKey, FunnelCounts CounterValue)
{
    public static LaneAction Insert(PendingWork of) => new(of, null, null, null, default);
    public static LaneAction Member(string leadId) => new(null, leadId, null, null, default);
    public static LaneAction Group(Group g) => new(null, null, g, null, default);
    public static LaneAction Counter(CounterKey key, FunnelCounts value) => new(null, null, null, key, value);
}
