using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Stores;

namespace Funnel.Core.Scans;

/// <summary>
/// The scan rules, as a pure function: given a store's groups, the scans waiting at the store and the
/// time, decide each scan's seat and the writes that commit them together.
/// - A lead new to the store becomes a member, counted as a lead of the store and of the clerk whose code it was.
/// - A lead without a mass seat gets one (see <see cref="SeatAssigner"/>); a lead with one keeps it.
/// - Every scan counts once, on one counter row: the clerk's for the day, or the store's own for store codes.
/// - A scan whose id the member already holds is a retry: answered as before, counted and written not at all.
/// - A lead scanning twice in one batch is one member write.
/// </summary>
public static class ScanPlanner
{
    public static ScanPlan Plan(
        StorePolicy policy,
        IReadOnlyList<Group> groups,
        IReadOnlyList<ScanInput> inputs,
        DateTimeOffset now,
        int maxActions)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(inputs);

        var day = policy.LocalDay(now);
        var writes = new StoreWriteSet(groups);
        var results = new List<ScanResult>(inputs.Count);

        foreach (var input in inputs)
        {
            var previous = writes.PendingMember(input.LeadId)?.Member ?? input.KnownMember;
            if (previous is not null && input.ScanId is not null && previous.RecentScanIds.Contains(input.ScanId))
            {
                results.Add(Replay(previous, input.ScanId, writes.Groups));
                continue;
            }

            var isNewAtStore = previous is null;
            var member = (isNewAtStore ? NewMember(input, now) : Rescan(previous!, input, now)).WithScanId(input.ScanId);
            var (seat, seatIsNew) = writes.SeatFor(member, GroupTier.Mass, policy);
            var counterKey = new CounterKey(day, input.Code.ClerkId);
            var actions = writes.ActionsFor(0, input.LeadId, seatIsNew ? seat : null, [counterKey]);
            if (!writes.Fits(actions, maxActions)) break;

            var delta = new FunnelCounts(1, isNewAtStore ? 1 : 0, seatIsNew ? 1 : 0);
            member = writes.Apply(actions, member, isNewAtStore ? MemberWriteKind.Insert : MemberWriteKind.Update, seatIsNew ? seat : null, [(counterKey, delta)])!;
            results.Add(new ScanResult(input.LeadId, member.ClerkId, input.IsNewLead, isNewAtStore, seat, Replayed: false));
        }

        return new ScanPlan(results, results.Count, writes.Groups, writes.ChangedGroups, writes.Counters, writes.MemberWrites, writes.Actions);
    }

    /// <summary>A retried scan answers as the first one did: new to the store (and brand) only if it was the member's first scan.</summary>
    private static ScanResult Replay(Member member, string scanId, IReadOnlyList<Group> groups)
    {
        var first = member.FirstScanId == scanId;
        var seatId = member.GroupIdOfTier(GroupTier.Mass);
        return new ScanResult(member.LeadId, member.ClerkId, first && member.NewToBrand, first, groups.FirstOrDefault(g => g.GroupId == seatId), Replayed: true);
    }

    private static Member NewMember(ScanInput input, DateTimeOffset now) => new(
        input.LeadId,
        input.Code.ClerkId,
        input.Code.CampaignId,
        input.Code.Channel,
        now,
        now,
        input.Code.ClerkId,
        [],
        TagsOf(input),
        [],
        input.ScanId,
        input.IsNewLead,
        KocId: input.KocId);

    /// <summary>
    /// A returning lead keeps its recruiting clerk; a lead first recruited by a store code is taken over
    /// by the first clerk who serves them. New channel and campaign tags accumulate.
    /// </summary>
    private static Member Rescan(Member member, ScanInput input, DateTimeOffset now)
    {
        var tags = member.Tags.Union(TagsOf(input), StringComparer.Ordinal).ToList();
        return member with
        {
            ClerkId = member.ClerkId ?? input.Code.ClerkId,
            LastClerkId = input.Code.ClerkId ?? member.LastClerkId,
            LastScanAt = now > member.LastScanAt ? now : member.LastScanAt,
            Tags = tags,
        };
    }

    private static List<string> TagsOf(ScanInput input)
    {
        var tags = new List<string>(3) { "channel:" + input.Code.Channel };
        if (input.Code.ClerkId is not null) tags.Add("clerk:" + input.Code.ClerkId);
        if (input.Code.CampaignId is not null) tags.Add("campaign:" + input.Code.CampaignId);
        return tags;
    }
}
