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
internal sealed class PointsAwards(PointsProgramme programme, PointsLedger ledger, PointsExpirySchedule expiry)
{
    public async Task JoinedAsync(string leadId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rules = await programme.InEffectAsync(at, cancellationToken);
        if (rules.Joining > 0) await AwardAsync(leadId, "join", "join", "joined the community", rules.Joining, rules, at, cancellationToken);
    }

    public async Task TrialCompletedAsync(string leadId, string storeId, int version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rules = await programme.InEffectAsync(at, cancellationToken);
        var points = rules.TrialCompleted;
        if (points > 0)
        {
            await EarnAsync(leadId, $"trial:{storeId}:{version}", "trial-completed", $"completed a guided trial at {storeId}", rules, at,
                b => (b.Award(points) with { Trials = b.Trials + 1 }, points, null), cancellationToken);
        }
    }

    public async Task PurchasedAsync(string leadId, string purchaseId, decimal amount, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rules = await programme.InEffectAsync(at, cancellationToken);
        var points = rules.ForPurchase(amount);
        if (points > 0) await AwardAsync(leadId, "purchase:" + purchaseId, "purchase", $"purchase {purchaseId}", points, rules, at, cancellationToken);
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
        await EarnAsync(referrerId, "referral:" + newLeadId, "referral", "recruited a new lead by sharing", rules, at, b =>
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

    private Task AwardAsync(string leadId, string sourceId, string kind, string reason, long points, PointsRules rules, DateTimeOffset at, CancellationToken cancellationToken) =>
        EarnAsync(leadId, sourceId, kind, reason, rules, at, b => (b.Award(points), points, null), cancellationToken);

    /// <summary>
    /// Applies an award. While points expire, the lead's first award starts its expiry on the engine (the balance row
    /// records it, in the award's transaction); a repeated award starts it again, since its first delivery may have
    /// stopped between the two (starting it twice finds it).
    /// </summary>
    private async Task EarnAsync(string leadId, string sourceId, string kind, string reason, PointsRules rules, DateTimeOffset at,
        Func<PointsBalance, (PointsBalance After, long Points, string? Reason)> change, CancellationToken cancellationToken)
    {
        var expires = rules.ExpireAfterDays > 0;
        var scheduled = true;
        var (outcome, _, _) = await ledger.ApplyAsync(leadId, sourceId, kind, reason, at, b =>
        {
            scheduled = b.ExpiryScheduled;
            var (after, points, why) = change(b);
            return (expires ? after with { ExpiryScheduled = true } : after, points, why);
        }, cancellationToken);
        if (expires && (outcome == LedgerOutcome.Repeated || !scheduled)) await expiry.StartAsync(leadId, cancellationToken);
    }
}
