using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Stores;

namespace Funnel.Core.Scans;

/// <summary>
/// The writes a batch will make to one store's partition, built up event by event by a planner: the groups as
/// they stand, the groups changed, counter deltas, one member write per lead, and how many transaction actions
/// all that takes. Planners ask what an event would add (<see cref="ActionsFor"/>) before they apply it, so a
/// batch never outgrows one entity-group transaction.
/// </summary>
internal sealed class StoreWriteSet(IReadOnlyList<Group> groups)
{
    private readonly List<Group> _groups = [.. groups];
    private readonly Dictionary<string, Group> _changedGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<CounterKey, FunnelCounts> _counters = [];
    private readonly Dictionary<string, MemberWrite> _members = new(StringComparer.Ordinal);

    public int Actions { get; private set; }

    public IReadOnlyList<Group> Groups => _groups;
    public IReadOnlyList<Group> ChangedGroups => [.. _changedGroups.Values];
    public IReadOnlyDictionary<CounterKey, FunnelCounts> Counters => _counters;
    public IReadOnlyList<MemberWrite> MemberWrites => [.. _members.Values];

    /// <summary>The lead's membership as this batch will leave it, if the batch writes it already.</summary>
    public MemberWrite? PendingMember(string leadId) => _members.TryGetValue(leadId, out var write) ? write : null;

    /// <summary>The member's seat of <paramref name="tier"/>: the one it has, or a new one (null when the tier is full).</summary>
    public (Group? Seat, bool IsNew) SeatFor(Member member, GroupTier tier, StorePolicy policy)
    {
        var current = member.GroupIdOfTier(tier);
        if (current is not null) return (_groups.Find(g => g.GroupId == current), false);
        var seat = SeatAssigner.Assign(_groups, tier, policy.CapacityOf(tier), policy.MaxGroupsPerTier);
        return (seat, seat is not null);
    }

    /// <summary>A new seat of <paramref name="tier"/> for a lead whose membership this batch does not write (null when the tier is full).</summary>
    public Group? NewSeat(GroupTier tier, StorePolicy policy) =>
        SeatAssigner.Assign(_groups, tier, policy.CapacityOf(tier), policy.MaxGroupsPerTier);

    /// <summary>Transaction actions an event adds: its own rows, plus the member, new seat and counter rows not yet in the batch.</summary>
    public int ActionsFor(int ownRows, string? memberLeadId, Group? newSeat, IEnumerable<CounterKey> counterKeys) =>
        ownRows
        + (memberLeadId is not null && !_members.ContainsKey(memberLeadId) ? 1 : 0)
        + (newSeat is not null && !_changedGroups.ContainsKey(newSeat.GroupId) ? 1 : 0)
        + counterKeys.Distinct().Count(k => !_counters.ContainsKey(k));

    public bool Fits(int actions, int maxActions) => Actions + actions <= maxActions;

    /// <summary>Applies an event that <see cref="ActionsFor"/> counted: takes the new seat, writes the member, adds the counts.</summary>
    public Member? Apply(int actions, Member? member, MemberWriteKind kind, Group? newSeat, IEnumerable<(CounterKey Key, FunnelCounts Delta)> deltas)
    {
        Actions += actions;
        if (newSeat is not null)
        {
            if (member is not null) member = member with { GroupIds = [.. member.GroupIds, newSeat.GroupId] };
            var index = _groups.FindIndex(g => g.GroupId == newSeat.GroupId);
            if (index >= 0) _groups[index] = newSeat;
            else _groups.Add(newSeat);
            _changedGroups[newSeat.GroupId] = newSeat;
        }
        if (member is not null)
        {
            _members[member.LeadId] = new MemberWrite(member, _members.TryGetValue(member.LeadId, out var earlier) ? earlier.Kind : kind);
        }
        foreach (var (key, delta) in deltas)
        {
            _counters[key] = _counters.TryGetValue(key, out var c) ? c + delta : delta;
        }
        return member;
    }
}
