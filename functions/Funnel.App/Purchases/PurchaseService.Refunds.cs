using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Purchases;

namespace Funnel.App.Purchases;

/// <summary>
/// Refunds and conflicts. A refund (<see cref="Purchase.RefundOf"/>) names a sale rung up at the same store and takes
/// its amount back, exactly once, from the rows the sale counted on: the store's sales revenue and refunds on the
/// sale's store-local day, and the credited clerk's revenue (at the recruiting store for a cross-store credit, with
/// the same crediting/complete steps as the sale's credit). The sale's record keeps what was refunded, written in the
/// refund's transaction on the ETag it was read with, so refunds never take back more than the sale.
/// </summary>
internal sealed partial class PurchaseService
{
    /// <summary>A refund raises no journey event: a repeat finishes a cross-store credit, and (redelivered) the points it takes back.</summary>
    private async Task<PurchaseOutcome> RefundAsync(Purchase refund, StoreSettings selling, bool redelivered, CancellationToken cancellationToken)
    {
        var fingerprint = refund.Fingerprint(null);
        var key = StoreRows.PurchaseKey(refund.PurchaseId);
        var existing = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(refund.StoreId, key, cancellationToken: cancellationToken);
        if (existing.HasValue) return await RepeatAsync(refund, existing.Value!, fingerprint, redelivered, cancellationToken);
        if (selling.CurrencyRefusal(refund.Currency) is { } refusal) throw new PurchaseRejectedException(refusal);

        var found = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(refund.StoreId, StoreRows.PurchaseKey(refund.RefundOf!), cancellationToken: cancellationToken);
        // Not recorded yet: the sale may still be on its way (it is retried, then poisoned by the host if it never comes).
        var sale = found.HasValue ? found.Value! : throw new InvalidOperationException($"Refund {refund.PurchaseId}: sale {refund.RefundOf} is not recorded at store {refund.StoreId} (yet).");
        if (sale.GetString("RefundOf") is not null) throw new PurchaseRejectedException($"Refund {refund.PurchaseId}: {refund.RefundOf} is itself a refund; refund the sale.");
        if (sale.GetString("Currency") != refund.Currency)
        {
            throw new PurchaseRejectedException($"Refund {refund.PurchaseId} is in {refund.Currency}, sale {refund.RefundOf} was in {sale.GetString("Currency")}.");
        }
        var saleAmount = StoreRows.Money(sale.GetString("Amount"));
        var refundedBefore = StoreRows.Money(sale.GetString("Refunded"));
        if (refundedBefore + refund.Amount > saleAmount)
        {
            throw new PurchaseRejectedException(
                $"Refund {refund.PurchaseId} of {Text(refund.Amount)} would take back more than sale {refund.RefundOf} was: {Text(saleAmount)}, of which {Text(refundedBefore)} is refunded already.");
        }

        var decision = new AttributionDecision(Enum.Parse<AttributionKind>(sale.GetString("Attribution") ?? nameof(AttributionKind.None)),
            sale.GetString("CreditedStoreId"), sale.GetString("CreditedClerkId"));
        var saleTime = sale.GetDateTimeOffset("PurchasedAt") ?? refund.PurchasedAt;
        var record = new Dictionary<string, object?>
        {
            ["RefundOf"] = refund.RefundOf,
            ["Amount"] = Text(refund.Amount),
            ["Currency"] = refund.Currency,
            ["PurchasedAt"] = refund.PurchasedAt,
            ["SalePurchasedAt"] = saleTime,
            ["Channel"] = refund.Channel,
            ["Items"] = JsonSerializer.Serialize(refund.Items, PurchaseMessage.Json),
            ["Attribution"] = decision.Kind.ToString(),
            ["CreditedStoreId"] = decision.StoreId,
            ["CreditedClerkId"] = decision.ClerkId,
            ["Status"] = decision.Kind == AttributionKind.CrossStore ? Crediting : Complete,
            ["Fingerprint"] = fingerprint,
            // What the points take-back needs on a redelivery: the sale's lead and amount, and what was refunded before.
            ["SaleLeadId"] = PointsLeadOf(sale),
            ["SaleAmount"] = Text(saleAmount),
            ["RefundedBefore"] = Text(refundedBefore),
        };
        var refunded = new SaleUpdate(new TableEntity(refund.StoreId, sale.RowKey) { ["Refunded"] = Text(refundedBefore + refund.Amount) }, sale.ETag);
        // Counted on the sale's day: the refund's input carries the sale's time (its own is in the record).
        var input = new PurchaseInput(refund with { PurchasedAt = saleTime }, null, PurchasePart.Sale, decision, null);
        var committed = await lanes.CommitPurchaseAsync(refund.StoreId, input, default, record, refunded).WaitAsync(cancellationToken);
        if (committed.Repeated) return await WrittenMeanwhileAsync(refund, fingerprint, redelivered, cancellationToken);
        if (decision.Kind == AttributionKind.CrossStore)
        {
            await RefundCreditAsync(refund with { PurchasedAt = saleTime }, decision, cancellationToken);
            await MarkCompleteAsync(refund, cancellationToken);
        }
        if (PointsLeadOf(sale) is { } leadId)
        {
            await points.RefundedAsync(leadId, refund.PurchaseId, refund.RefundOf!, saleAmount, refundedBefore, refund.Amount, refund.PurchasedAt, cancellationToken);
        }
        Record("refund");
        return PurchaseOutcome.Counted;
    }

    /// <summary>The lead a sale's points went to (records from before points: the credited lead).</summary>
    private static string? PointsLeadOf(TableEntity sale) => sale.GetString("PointsLeadId") ?? sale.GetString("LeadId");

    /// <summary>The points of a recorded purchase or refund, again (each applies once): a redelivery may follow a stop before them.</summary>
    private async Task RepeatPointsAsync(Purchase purchase, TableEntity record, CancellationToken cancellationToken)
    {
        if (!purchase.IsRefund && PointsLeadOf(record) is { } buyer)
        {
            await points.PurchasedAsync(buyer, purchase.PurchaseId, StoreRows.Money(record.GetString("Amount")), record.GetDateTimeOffset("PurchasedAt") ?? purchase.PurchasedAt, cancellationToken);
            await conversions.PurchasedAsync(buyer, record.GetDateTimeOffset("PurchasedAt") ?? purchase.PurchasedAt, cancellationToken);
        }
        else if (purchase.IsRefund && record.GetString("SaleLeadId") is { } refunded)
        {
            await points.RefundedAsync(refunded, purchase.PurchaseId, record.GetString("RefundOf")!, StoreRows.Money(record.GetString("SaleAmount")),
                StoreRows.Money(record.GetString("RefundedBefore")), StoreRows.Money(record.GetString("Amount")), record.GetDateTimeOffset("PurchasedAt") ?? purchase.PurchasedAt, cancellationToken);
        }
    }

    /// <summary>The refund's share at the recruiting store: the credited clerk's revenue taken back (a marker row makes it once).</summary>
    private async Task RefundCreditAsync(Purchase asOfSale, AttributionDecision decision, CancellationToken cancellationToken)
    {
        var marker = new Dictionary<string, object?>
        {
            ["SellingStoreId"] = asOfSale.StoreId,
            ["RefundOf"] = asOfSale.RefundOf,
            ["ClerkId"] = decision.ClerkId,
            ["Amount"] = Text(-asOfSale.Amount),
            ["PurchasedAt"] = asOfSale.PurchasedAt,
        };
        var credit = new PurchaseInput(asOfSale, null, PurchasePart.Credit, decision, null);
        await lanes.CommitPurchaseAsync(decision.StoreId!, credit, default, marker).WaitAsync(cancellationToken);
    }

    /// <summary>A delivery found a refund's record still crediting (a crash after its sale part): take the credit back (once) and complete it.</summary>
    private async Task FinishRefundCreditAsync(Purchase refund, TableEntity record, CancellationToken cancellationToken)
    {
        var decision = new AttributionDecision(AttributionKind.CrossStore, record.GetString("CreditedStoreId"), record.GetString("CreditedClerkId"));
        LogResumed(logger, refund.PurchaseId, decision.StoreId);
        await RefundCreditAsync(refund with { PurchasedAt = record.GetDateTimeOffset("SalePurchasedAt") ?? refund.PurchasedAt }, decision, cancellationToken);
        await MarkCompleteAsync(refund, cancellationToken);
    }

    /// <summary>
    /// Another message under a recorded purchase id: the first stands. The conflict is recorded (a marker per distinct
    /// content, so a redelivery counts it once) and counted on the store's row, and the message goes to the poison
    /// queue (or dead-letter) with what differs.
    /// </summary>
    private async Task ConflictAsync(Purchase purchase, TableEntity first, string fingerprint, CancellationToken cancellationToken)
    {
        var differs = Differences(first, purchase);
        var marker = new Dictionary<string, object?>
        {
            ["PurchaseId"] = purchase.PurchaseId,
            ["Fingerprint"] = fingerprint,
            ["Amount"] = Text(purchase.Amount),
            ["Currency"] = purchase.Currency,
            ["PurchasedAt"] = purchase.PurchasedAt,
            ["Differs"] = differs,
            ["DetectedAt"] = time.GetUtcNow(),
        };
        var input = new PurchaseInput(purchase, null, PurchasePart.Conflict, AttributionDecision.Unattributed, null);
        await lanes.CommitPurchaseAsync(purchase.StoreId, input, default, marker).WaitAsync(cancellationToken);
        Record("conflict");
        throw new PurchaseConflictException(
            $"Purchase {purchase.PurchaseId} of store {purchase.StoreId} was recorded first with other content (differs in: {differs}); this message is not counted and the first stands. " +
            $"To correct a sale, send a refund of {purchase.PurchaseId} (refundOf) and the corrected sale under a new purchaseId.");
    }

    private static string Differences(TableEntity first, Purchase purchase)
    {
        var differs = new List<string>();
        if (StoreRows.Money(first.GetString("Amount")) != purchase.Amount) differs.Add("amount");
        if (first.GetString("Currency") != purchase.Currency) differs.Add("currency");
        if (first.GetDateTimeOffset("PurchasedAt") != purchase.PurchasedAt) differs.Add("purchasedAt");
        if (first.GetString("Channel") != purchase.Channel) differs.Add("channel");
        if (first.GetString("RefundOf") != purchase.RefundOf) differs.Add("refundOf");
        if (first.GetString("Items") != JsonSerializer.Serialize(purchase.Items, PurchaseMessage.Json)) differs.Add("items");
        return differs.Count == 0 ? "shopper" : string.Join(", ", differs);
    }

    private static string Text(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);
}
