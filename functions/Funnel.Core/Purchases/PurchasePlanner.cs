using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.Core.Purchases;

/// <summary>Which part of a purchase a store applies: the sale where it was rung up, or the credit where the lead was recruited.</summary>
public enum PurchasePart
{
    Sale,
    Credit,
}

/// <summary>
/// One purchase to apply at one store. <paramref name="Member"/> is the credited lead's membership here (needed when
/// this store is credited: a same-store sale, or a cross-store credit), as last read.
/// </summary>
public sealed record PurchaseInput(Purchase Purchase, string? LeadId, PurchasePart Part, AttributionDecision Decision, Member? Member)
{
    /// <summary>True when this store's community is credited by this part.</summary>
    public bool Credits => Part == PurchasePart.Credit || Decision.Kind == AttributionKind.SameStore;
}

/// <summary>What applying a purchase part came to: whether it was the lead's first credited purchase here, and the VIP seat.</summary>
public sealed record PurchaseResult(bool FirstPurchase, Group? VipSeat);

public sealed record PurchasePlan(
    IReadOnlyList<PurchaseResult> Results,
    int Accepted,
    IReadOnlyList<Group> ChangedGroups,
    IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas,
    IReadOnlyList<MemberWrite> MemberWrites,
    int ActionCount) : IStorePlan;

/// <summary>
/// The purchase rules at one store, as a pure function:
/// - the sale part counts a store sale (and its revenue) on the store's own row for the purchase's local day;
/// - when this store is credited, the purchase counts on the recruiting clerk's row (the store's own row for a
///   store-code recruit): a purchase, its revenue, whether it was the lead's first, whether it was cross-store;
/// - a credited lead is converted and gets a seat in the store's VIP buyers group tier (seat rules as for mass groups);
/// - each part writes one row of its own (the purchase record, or the credit marker) so a repeat is detected.
/// </summary>
public static class PurchasePlanner
{
    public static PurchasePlan Plan(
        StorePolicy policy,
        IReadOnlyList<Group> groups,
        IReadOnlyList<PurchaseInput> inputs,
        int maxActions = ScanPlanner.MaxTransactionActions)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(inputs);

        var groupList = groups.ToList();
        var changedGroups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var counters = new Dictionary<CounterKey, FunnelCounts>();
        var members = new Dictionary<string, MemberWrite>(StringComparer.Ordinal);
        var results = new List<PurchaseResult>(inputs.Count);
        var actions = 0;

        foreach (var input in inputs)
        {
            var purchase = input.Purchase;
            var day = policy.LocalDay(purchase.PurchasedAt);
            var deltas = new List<(CounterKey Key, FunnelCounts Delta)>(2);
            if (input.Part == PurchasePart.Sale)
            {
                deltas.Add((new CounterKey(day, null), new FunnelCounts(0, 0, 0, StoreSales: 1, StoreSalesRevenue: purchase.Amount)));
            }

            Member? member = null;
            Group? seat = null;
            var seatIsNew = false;
            var first = false;
            if (input.Credits && input.LeadId is not null)
            {
                var previous = members.TryGetValue(input.LeadId, out var pending) ? pending.Member : input.Member;
                if (previous is null) throw new ArgumentException($"Purchase {purchase.PurchaseId}: a credited part needs the lead's membership.", nameof(inputs));
                first = previous.Purchases == 0;
                member = previous with
                {
                    Purchases = previous.Purchases + 1,
                    LastPurchaseAt = previous.LastPurchaseAt is { } last && last > purchase.PurchasedAt ? last : purchase.PurchasedAt,
                };
                var seatId = member.GroupIdOfTier(GroupTier.Vip);
                if (seatId is null)
                {
                    seat = SeatAssigner.Assign(groupList, GroupTier.Vip, policy.GroupCapacity, policy.MaxGroupsPerTier);
                    seatIsNew = seat is not null;
                }
                else
                {
                    seat = groupList.Find(g => g.GroupId == seatId);
                }
                deltas.Add((new CounterKey(day, input.Decision.ClerkId), new FunnelCounts(0, 0, 0,
                    Purchases: 1,
                    Revenue: purchase.Amount,
                    FirstPurchases: first ? 1 : 0,
                    CrossStorePurchases: input.Part == PurchasePart.Credit ? 1 : 0)));
            }

            var extra = 1
                        + (member is not null && !members.ContainsKey(member.LeadId) ? 1 : 0)
                        + (seatIsNew && !changedGroups.ContainsKey(seat!.GroupId) ? 1 : 0)
                        + deltas.Select(d => d.Key).Distinct().Count(k => !counters.ContainsKey(k));
            if (actions + extra > maxActions) break;
            actions += extra;

            if (seatIsNew)
            {
                member = member! with { GroupIds = [.. member.GroupIds, seat!.GroupId] };
                var index = groupList.FindIndex(g => g.GroupId == seat.GroupId);
                if (index >= 0) groupList[index] = seat;
                else groupList.Add(seat);
                changedGroups[seat.GroupId] = seat;
            }
            if (member is not null)
            {
                var kind = members.TryGetValue(member.LeadId, out var earlier) ? earlier.Kind : MemberWriteKind.Update;
                members[member.LeadId] = new MemberWrite(member, kind);
            }
            foreach (var (key, delta) in deltas)
            {
                counters[key] = counters.TryGetValue(key, out var c) ? c + delta : delta;
            }
            results.Add(new PurchaseResult(first, seat));
        }

        return new PurchasePlan(results, results.Count, [.. changedGroups.Values], counters, [.. members.Values], actions);
    }
}
