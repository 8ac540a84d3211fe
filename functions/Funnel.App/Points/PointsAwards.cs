using Funnel.Core.Points;

namespace Funnel.App.Points;

/// <summary>
/// The awards the funnel's events earn, by the rules in effect at each event, each keyed by its source event so it
/// applies once however often the event is processed (a retried scan, a redelivered purchase, a re-run journey
/// activity). A rule worth 0 points writes nothing. Joining is once per lead, brand-wide ("join"); a purchase credited
/// to a lead earns per unit of its amount ("purchase:{id}"); a refund takes back its share of what its sale earned
/// ("refund:{id}", the shares of a sale's refunds adding up to the sale's award); a completed trial earns once per
/// journey step that completed it ("trial:{store}:{version}").
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
        if (points > 0) await AwardAsync(leadId, $"trial:{storeId}:{version}", "trial-completed", $"completed a guided trial at {storeId}", points, at, cancellationToken);
    }

    public async Task PurchasedAsync(string leadId, string purchaseId, decimal amount, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var points = (await programme.InEffectAsync(at, cancellationToken)).ForPurchase(amount);
        if (points > 0) await AwardAsync(leadId, "purchase:" + purchaseId, "purchase", $"purchase {purchaseId}", points, at, cancellationToken);
    }

    /// <summary>A refund of <paramref name="refunded"/> of sale <paramref name="saleId"/> (<paramref name="saleAmount"/>, <paramref name="refundedBefore"/> refunded before it).</summary>
    public async Task RefundedAsync(string leadId, string refundId, string saleId, decimal saleAmount, decimal refundedBefore, decimal refunded, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        if (await ledger.EntryAsync(leadId, "purchase:" + saleId, cancellationToken) is not { Points: > 0 } sale) return;
        var points = PointsRules.ForRefund(sale.Points, saleAmount, refundedBefore + refunded, 0) - PointsRules.ForRefund(sale.Points, saleAmount, refundedBefore, 0);
        if (points <= 0) return;
        await ledger.ApplyAsync(leadId, "refund:" + refundId, "refund", $"refund {refundId} of purchase {saleId}", at, b => (b.TakeBack(points), -points), cancellationToken);
    }

    private async Task AwardAsync(string leadId, string sourceId, string kind, string reason, long points, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ledger.ApplyAsync(leadId, sourceId, kind, reason, at, b => (b.Award(points), points), cancellationToken);
}
