using System.Diagnostics;
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

    private readonly long _loadedTimestamp = Stopwatch.GetTimestamp();

    public LaneState(ScanStateRows rows)
    {
        Settings = rows.Settings;
        Policy = rows.Settings.Policy;
        JourneyPolicy = rows.Settings.JourneyPolicy;
        _groups = rows.Groups.ToDictionary(g => g.Group.GroupId, g => (g.Group, g.ETag), StringComparer.Ordinal);
        _counters = rows.Counters.ToDictionary(c => c.Key, c => (c.Counts, c.ETag));
        _days = [];
        for (var d = rows.FirstDay; d <= rows.LastDay; d = d.AddDays(1)) _days.Add(d);
    }

    public StoreSettings Settings { get; }
    public StorePolicy Policy { get; }
    public Core.Journeys.JourneyPolicy JourneyPolicy { get; }
    /// <summary>How long ago this was read, in real time: trust in a cache is not a matter of the app's (possibly scaled) clock.</summary>
    public TimeSpan Age => Stopwatch.GetElapsedTime(_loadedTimestamp);

    public IReadOnlyList<Group> Groups => [.. _groups.Values.Select(g => g.Group)];

    /// <summary>True when the counter rows of <paramref name="day"/> were loaded, so a missing row really does not exist.</summary>
    public bool Covers(DateOnly day) => _days.Contains(day);

    public void AddDay(DateOnly day, IEnumerable<(CounterKey Key, FunnelCounts Counts, ETag ETag)> rows)
    {
        foreach (var (key, counts, etag) in rows) _counters[key] = (counts, etag);
        _days.Add(day);
    }

    /// <summary>
    /// The transaction that commits <paramref name="plan"/> after <paramref name="own"/> (the work's own rows, e.g.
    /// inserts whose existence means "already done", so a repeat fails the transaction on them first), and what
    /// each action is, in order.
    /// </summary>
    public (List<TableTransactionAction> Actions, List<LaneAction> What) BuildTransaction(
        string storeId, IStorePlan plan, IReadOnlyList<PendingWork> pending, IEnumerable<(TableTransactionAction Action, LaneAction What)> own)
    {
        var actions = new List<TableTransactionAction>(plan.ActionCount);
        var what = new List<LaneAction>(plan.ActionCount);
        foreach (var (action, of) in own)
        {
            actions.Add(action);
            what.Add(of);
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
            what.Add(LaneAction.Member(write.Member));
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
internal sealed record LaneAction(
    PendingWork? InsertOf = null,
    string? MemberLeadId = null,
    Group? GroupValue = null,
    CounterKey? CounterKey = null,
    FunnelCounts CounterValue = default,
    string? JourneyLeadId = null,
    bool IsJourneyRow = false,
    PendingWork? RefundedSaleOf = null,
    Member? MemberValue = null)
{
    public static LaneAction Insert(PendingWork of) => new(InsertOf: of);

    /// <summary>The update of the sale a refund refunds.</summary>
    public static LaneAction RefundedSale(PendingWork of) => new(RefundedSaleOf: of);

    /// <summary>The lead whose row this is, if any (logged redacted, never in <see cref="Describe"/>).</summary>
    public string? LeadId => MemberLeadId ?? JourneyLeadId;

    /// <summary>What the action writes, for a log line: its kind and keys, without a lead id.</summary>
    public string Describe() => this switch
    {
        { RefundedSaleOf: not null } => "the refunded sale's record",
        { InsertOf: PendingPurchase p } => $"the {p.Input.Part.ToString().ToLowerInvariant()} row of purchase {p.Input.Purchase.PurchaseId}",
        { InsertOf: { } work } => $"the row of a {work.GetType().Name}",
        { MemberLeadId: not null } => "a member row",
        { IsJourneyRow: true } => "a journey row",
        { JourneyLeadId: not null } => "a journey's task row",
        { GroupValue: { } g } => $"group {g.GroupId}",
        { CounterKey: { } k } => $"counter {k.Day:yyyy-MM-dd}/{k.ClerkId ?? "store"}",
        _ => "an action",
    };
    public static LaneAction Member(Member member) => new(MemberLeadId: member.LeadId, MemberValue: member);
    public static LaneAction Group(Group g) => new(GroupValue: g);
    public static LaneAction Counter(CounterKey key, FunnelCounts value) => new(CounterKey: key, CounterValue: value);

    /// <summary>A row of a lead's journey (the journey row itself, or one of its tasks).</summary>
    public static LaneAction Journey(string leadId) => new(JourneyLeadId: leadId);
    public static LaneAction JourneyRow(string leadId) => new(JourneyLeadId: leadId, IsJourneyRow: true);
}
