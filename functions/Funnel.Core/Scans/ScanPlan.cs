using Funnel.Core.Funnels;
using Funnel.Core.Groups;

namespace Funnel.Core.Scans;

/// <summary>
/// What one scan came to. <see cref="Seat"/> is null when every mass group was full.
/// <see cref="Replayed"/>: the scan id was committed before; this answers as that scan did and changes nothing.
/// </summary>
public sealed record ScanResult(
    string LeadId,
    string? ClerkId,
    bool IsNewLead,
    bool IsNewAtStore,
    Group? Seat,
    bool Replayed);

public enum MemberWriteKind
{
    Insert,
    Update,
}

public sealed record MemberWrite(Member Member, MemberWriteKind Kind);

/// <summary>
/// The writes that commit a batch of scans at one store, all in one partition so they can be one
/// atomic transaction: changed groups, counter deltas, one membership write per lead.
/// Inputs from <see cref="Accepted"/> on did not fit in the transaction and wait for the next one.
/// </summary>
public sealed record ScanPlan(
    IReadOnlyList<ScanResult> Results,
    int Accepted,
    IReadOnlyList<Group> Groups,
    IReadOnlyList<Group> ChangedGroups,
    IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas,
    IReadOnlyList<MemberWrite> MemberWrites,
    int ActionCount) : IStorePlan;

/// <summary>
/// Writes to one store's partition that commit together: the groups, counter deltas and memberships a batch
/// changes. Inputs from <see cref="Accepted"/> on did not fit in one transaction and wait for the next.
/// </summary>
public interface IStorePlan
{
    int Accepted { get; }
    IReadOnlyList<Group> ChangedGroups { get; }
    IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas { get; }
    IReadOnlyList<MemberWrite> MemberWrites { get; }
    int ActionCount { get; }
}
