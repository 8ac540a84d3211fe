using Funnel.Core.Points;

namespace Funnel.App.Points;

/// <summary>
/// The awards the funnel's events earn, by the rules in effect at each event, each keyed by its source event so it
/// applies once however often the event is processed (a retried scan, a redelivered purchase, a re-run journey
/// activity). A rule worth 0 points writes nothing. Joining is once per lead, brand-wide ("join"); a purchase credited
/// to a lead earns per unit of its amount ("purchase:{id}"); a refund takes back its share of what its sale earned
/// ("refund:{id}", the shares of a sale's refunds adding up to the sale's award); a completed trial earns once per
/// journey step that completed it ("trial:{store}:{version}"); a share that recruits a new lead earns its referrer
/// ("referral:{new lead}", capped a day).
/// </summary>
internal sealed class PointsAwards(PointsProgramme programme, PointsLedger ledger)
{
    public async Task JoinedAsync(string leadId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var points = (await programme.InEffectAsync(at, cancellationToken)).Joining;
        if (points > 0) await AwardAsync(leadId, "join", "join", "joined the community", points, at, cancellationToken);
    }

    public async Task TrialCompletedAsync(string leadId, string storeId, int version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var points = (await programme.InEffectAsync(at, cancellationToken)).TrialCompleted;
        if (points > 0)
        {
            await ledger.ApplyAsync(leadId, $"trial:{storeId}:{version}", "trial-completed", $"completed a guided trial at {storeId}", at,
                b => (b.Award(points) with { Trials = b.Trials + 1 }, points, null), cancellationToken);
        }
    }

    public async Task PurchasedAsync(string leadId, string purchaseId, decimal amount, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var points = (await programme.InEffectAsync(at, cancellationToken)).ForPurchase(amount);
        if (points > 0) await AwardAsync(leadId, "purchase:" + purchaseId, "purchase", $"purchase {purchaseId}", points, at, cancellationToken);
    }

    /// <summary>
    /// <paramref name="newLeadId"/> joined through <paramref name="referrerId"/>'s share code: the share's points, once
    /// per recruited lead, while the referrer's recruits that day (UTC) are under the cap; past it, recorded with 0.
    /// </summary>
    public async Task ReferredAsync(string referrerId, string newLeadId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rules = await programme.InEffectAsync(at, cancellationToken);
        if (rules.ShareRecruited <= 0) return;
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        await ledger.ApplyAsync(referrerId, "referral:" + newLeadId, "referral", "recruited a new lead by sharing", at, b =>
        {
            var (after, points) = b.Referral(day, rules.ShareRecruited, rules.ReferralDailyCap);
            return (after, points, points == 0 ? $"recruited a new lead by sharing, past today's cap of {rules.ReferralDailyCap}: recorded, no points" : null);
        }, cancellationToken);
    }

    /// <summary>A refund of <paramref name="refunded"/> of sale <paramref name="saleId"/> (<paramref name="saleAmount"/>, <paramref name="refundedBefore"/> refunded before it).</summary>
    public async Task RefundedAsync(string leadId, string refundId, string saleId, decimal saleAmount, decimal refundedBefore, decimal refunded, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        if (await ledger.EntryAsync(leadId, "purchase:" + saleId, cancellationToken) is not { Points: > 0 } sale) return;
        var points = PointsRules.ForRefund(sale.Points, saleAmount, refundedBefore + refunded, 0) - PointsRules.ForRefund(sale.Points, saleAmount, refundedBefore, 0);
        if (points <= 0) return;
        await ledger.ApplyAsync(leadId, "refund:" + refundId, "refund", $"refund {refundId} of purchase {saleId}", at, b => (b.TakeBack(points), -points, null), cancellationToken);
    }

    private async Task AwardAsync(string leadId, string sourceId, string kind, string reason, long points, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ledger.ApplyAsync(leadId, sourceId, kind, reason, at, b => (b.Award(points), points, null), cancellationToken);
}
