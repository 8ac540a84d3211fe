using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.Core.Purchases;

/// <summary>
/// Which part of a purchase a store applies: the sale where it was rung up, the credit where the lead was recruited, or
/// (a message that reused a purchase id with other content) the conflict, counted where it was rung up.
/// </summary>
public enum PurchasePart
{
    Sale,
    Credit,
    Conflict,
}

/// <summary>
/// One purchase to apply at one store. <paramref name="Member"/> is the credited lead's membership here (needed when
/// this store is credited: a same-store sale, or a cross-store credit), as last read.
/// </summary>
public sealed record PurchaseInput(Purchase Purchase, string? LeadId, PurchasePart Part, AttributionDecision Decision, Member? Member)
{
    /// <summary>True when this store's community is credited by this part.</summary>
    public bool Credits => Part == PurchasePart.Credit || (Part == PurchasePart.Sale && Decision.Kind == AttributionKind.SameStore);

    /// <summary>Rows of its own this part writes: its record (or marker); a refund's sale part also updates the refunded sale's record.</summary>
    public int OwnRows => Purchase.IsRefund && Part == PurchasePart.Sale ? 2 : 1;
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
/// - a refund (its <see cref="Purchase.PurchasedAt"/> is the refunded sale's) takes its amount back from the same rows
///   the sale counted on, net: the store sale's revenue (with a refund counted) and the credited clerk's revenue;
///   purchases, conversions and seats stay (the lead did buy). Two refunds of one sale never share a transaction
///   (each updates that sale's record);
/// - a conflict counts one on the store's own row;
/// - each part writes one row of its own (the purchase record, the credit marker, the conflict marker) so a repeat is detected.
/// </summary>
public static class PurchasePlanner
{
    public static PurchasePlan Plan(
        StorePolicy policy,
        IReadOnlyList<Group> groups,
        IReadOnlyList<PurchaseInput> inputs,
        int maxActions)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(inputs);

        var writes = new StoreWriteSet(groups);
        var results = new List<PurchaseResult>(inputs.Count);

        var refunded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var purchase = input.Purchase;
            if (purchase.RefundOf is { } of && input.Part == PurchasePart.Sale && !refunded.Add(of)) break;
            var day = policy.LocalDay(purchase.PurchasedAt);
            var deltas = new List<(CounterKey Key, FunnelCounts Delta)>(2);
            if (input.Part == PurchasePart.Conflict)
            {
                deltas.Add((new CounterKey(day, null), new FunnelCounts(0, 0, 0, PurchaseConflicts: 1)));
            }
            else if (purchase.IsRefund)
            {
                if (input.Part == PurchasePart.Sale)
                {
                    deltas.Add((new CounterKey(day, null), new FunnelCounts(0, 0, 0, StoreSalesRevenue: -purchase.Amount, Refunds: 1, RefundedAmount: purchase.Amount)));
                }
                if (input.Credits) deltas.Add((new CounterKey(day, input.Decision.ClerkId), new FunnelCounts(0, 0, 0, Revenue: -purchase.Amount)));
            }
            else if (input.Part == PurchasePart.Sale)
            {
                deltas.Add((new CounterKey(day, null), new FunnelCounts(0, 0, 0, StoreSales: 1, StoreSalesRevenue: purchase.Amount)));
            }

            Member? member = null;
            (Group? Seat, bool IsNew) seat = (null, false);
            var first = false;
            if (input.Credits && input.LeadId is not null && !purchase.IsRefund)
            {
                var previous = writes.PendingMember(input.LeadId)?.Member ?? input.Member
                    ?? throw new ArgumentException($"Purchase {purchase.PurchaseId}: a credited part needs the lead's membership.", nameof(inputs));
                first = previous.Purchases == 0;
                member = previous with
                {
                    Purchases = previous.Purchases + 1,
                    Spent = previous.Spent + purchase.Amount,
                    LastPurchaseAt = previous.LastPurchaseAt is { } last && last > purchase.PurchasedAt ? last : purchase.PurchasedAt,
                };
                seat = writes.SeatFor(member, GroupTier.Vip, policy);
                deltas.Add((new CounterKey(day, input.Decision.ClerkId), new FunnelCounts(0, 0, 0,
                    Purchases: 1,
                    Revenue: purchase.Amount,
                    FirstPurchases: first ? 1 : 0,
                    CrossStorePurchases: input.Part == PurchasePart.Credit ? 1 : 0)));
            }

            // Its own row: the purchase record (sale part) or the credit marker (credit part).
            var actions = writes.ActionsFor(input.OwnRows, member?.LeadId, seat.IsNew ? seat.Seat : null, deltas.Select(d => d.Key));
            if (!writes.Fits(actions, maxActions)) break;
            writes.Apply(actions, member, MemberWriteKind.Update, seat.IsNew ? seat.Seat : null, deltas);
            results.Add(new PurchaseResult(first, seat.Seat));
        }

        return new PurchasePlan(results, results.Count, writes.ChangedGroups, writes.Counters, writes.MemberWrites, writes.Actions);
    }
}
