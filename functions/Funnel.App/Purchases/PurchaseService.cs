using System.Diagnostics.Metrics;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Leads;
using Funnel.Core.Purchases;

namespace Funnel.App.Purchases;

/// <summary>A purchase that can never be counted as sent (unknown store, wrong currency): it belongs in the poison queue.</summary>
internal class PurchaseRejectedException(string reason) : Exception(reason);

/// <summary>A message reused a recorded purchase id with other content: recorded and counted as a conflict, never as the sale.</summary>
internal sealed class PurchaseConflictException(string reason) : PurchaseRejectedException(reason);

internal enum PurchaseOutcome
{
    Counted,
    Duplicate,
}

/// <summary>
/// Counts a purchase exactly once and credits it to the store and clerk that earned it. Storage work:
/// 1. a point read of the purchase record at the selling store: there and complete → a duplicate, done (steps 5 and 6 are
///    repeated only by a redelivery, the one message that may have stopped before it: see <see cref="RepeatAsync"/>);
/// 2. a point read of the lead's membership at the selling store; only if it does not earn the credit, the
///    lead's index and its memberships elsewhere (the cross-store rule);
/// 3. the selling store's lane writes the record, the sale and, for a same-store credit, the clerk's conversion
///    and the lead's VIP seat, in one transaction: the record exists exactly when all of that is counted;
/// 4. for a cross-store credit only: the recruiting store's lane writes a credit marker with the conversion,
///    then the record is marked complete. A redelivery after a crash in between finishes the credit (the
///    marker makes it happen once);
/// 5. the buyer's points (any lead), and the credited lead's KOC, if a KOC recruited them at the credited store (each
///    keyed by the purchase, so applied once);
/// 6. the credited lead's journey at the credited store converts (event id "purchase:{store}:{id}", so a redelivery
///    after a crash finishes that step once).
/// The record keeps the purchase's fingerprint: a message with a recorded id and other content is a conflict (counted,
/// poisoned with what differs), never a second sale and never a change to the first. Refunds: PurchaseService.Refunds.cs.
/// </summary>
internal sealed partial class PurchaseService(
    LeadIdHasher hasher, LeadRepository leads, StoreLanes lanes, FunnelTables tables, Journeys.JourneyService journeys, Points.PointsAwards points, Kocs.KocCredits kocs, Audience.BroadcastConversions conversions, TimeProvider time,
    ILogger<PurchaseService> logger)
{
    private const string Complete = "complete";
    private const string Crediting = "crediting";
    public const string MeterName = "Funnel.Purchases";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> PurchasesCounter = Meter.CreateCounter<long>("funnel.purchases", description: "Purchases processed.");

    /// <param name="delivery">The message's delivery count (queue DequeueCount, Service Bus DeliveryCount): 1 the first time.</param>
    public async Task<PurchaseOutcome> ProcessAsync(Purchase purchase, int delivery, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (purchase.PurchasedAt > now + PurchaseMessage.MaxClockSkew)
        {
            throw new PurchaseRejectedException($"purchasedAt {purchase.PurchasedAt:O} is in the future (the app's time was {now:O}); check the till's clock and time zone.");
        }
        // The store's settings come from the lane's cache (no storage request on a warm lane).
        var selling = await lanes.GetSettingsAsync(purchase.StoreId, cancellationToken)
            ?? throw new PurchaseRejectedException($"Store '{purchase.StoreId}' does not exist.");
        if (purchase.IsRefund) return await RefundAsync(purchase, selling, delivery > 1, cancellationToken);

        var leadId = purchase.LeadId ?? hasher.LeadIdFor(selling.ShopperIdentity(purchase.ShopperId!));
        var fingerprint = purchase.Fingerprint(leadId);
        var recordKey = StoreRows.PurchaseKey(purchase.PurchaseId);
        var existing = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(purchase.StoreId, recordKey, cancellationToken: cancellationToken);
        var redelivered = delivery > 1;
        if (existing.HasValue) return await RepeatAsync(purchase, existing.Value!, fingerprint, redelivered, cancellationToken);
        if (selling.CurrencyRefusal(purchase.Currency) is { } refusal) throw new PurchaseRejectedException(refusal);

        var (decision, credited, known) = await DecideAsync(purchase, leadId, selling.AttributionWindow, cancellationToken);

        var sale = new PurchaseInput(purchase, leadId, PurchasePart.Sale, decision,
            decision.Kind == AttributionKind.SameStore ? credited?.Member : null);
        var record = new Dictionary<string, object?>
        {
            ["LeadId"] = decision.Kind == AttributionKind.None ? null : leadId,
            ["Amount"] = Text(purchase.Amount),
            ["Currency"] = purchase.Currency,
            ["PurchasedAt"] = purchase.PurchasedAt,
            ["Channel"] = purchase.Channel,
            ["Items"] = JsonSerializer.Serialize(purchase.Items, PurchaseMessage.Json),
            ["Attribution"] = decision.Kind.ToString(),
            ["CreditedStoreId"] = decision.StoreId,
            ["CreditedClerkId"] = decision.ClerkId,
            ["Status"] = decision.Kind == AttributionKind.CrossStore ? Crediting : Complete,
            ["Fingerprint"] = fingerprint,
            // The lead whose points the sale earns: any lead, credited or not (a purchase after the window still earns).
            ["PointsLeadId"] = known ? leadId : null,
            // The KOC who recruited the credited lead at the credited store, credited with the purchase too.
            ["CreditedKocId"] = decision.Kind == AttributionKind.None ? null : credited?.Member.KocId,
        };
        var committed = await lanes.CommitPurchaseAsync(purchase.StoreId, sale,
            decision.Kind == AttributionKind.SameStore ? credited!.Value.ETag : default, record).WaitAsync(cancellationToken);
        if (committed.Repeated) return await WrittenMeanwhileAsync(purchase, fingerprint, redelivered, cancellationToken);
        if (decision.Kind == AttributionKind.CrossStore)
        {
            await CreditAsync(purchase, leadId, decision, credited, cancellationToken);
            await MarkCompleteAsync(purchase, cancellationToken);
        }
        if (known)
        {
            await points.PurchasedAsync(leadId, purchase.PurchaseId, purchase.Amount, purchase.PurchasedAt, cancellationToken);
            // Only a lead a broadcast reached through the credited membership costs the read of what it received.
            if (credited?.Member.LastBroadcastAt is { } lately && purchase.PurchasedAt - lately <= Audience.BroadcastConversions.Horizon)
            {
                await conversions.PurchasedAsync(leadId, purchase.PurchasedAt, cancellationToken);
            }
        }
        if (record["CreditedKocId"] is string kocId) await CreditKocAsync(purchase, decision.StoreId!, kocId, leadId, cancellationToken);
        if (decision.Kind != AttributionKind.None && !AlreadyConverted(credited?.Member)) await ConvertAsync(purchase, decision.StoreId, leadId, cancellationToken);
        Record(decision.Kind.ToString());
        return PurchaseOutcome.Counted;
    }

    /// <summary>
    /// The same purchase id in flight twice: the other delivery wrote the record. It may still fail before its
    /// cross-store credit, and this delivery's answer acknowledges the message, so finish the credit here too (the credit
    /// marker makes it happen once), or find the two were not the same purchase (a conflict).
    /// </summary>
    private async Task<PurchaseOutcome> WrittenMeanwhileAsync(Purchase purchase, string fingerprint, bool redelivered, CancellationToken cancellationToken)
    {
        var written = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(purchase.StoreId, StoreRows.PurchaseKey(purchase.PurchaseId), cancellationToken: cancellationToken);
        if (written.HasValue) return await RepeatAsync(purchase, written.Value!, fingerprint, redelivered, cancellationToken);
        Record("duplicate");
        return PurchaseOutcome.Duplicate;
    }

    /// <summary>
    /// The purchase id is recorded: the same purchase again (finish what a crash may have left: the cross-store
    /// credit, the journey's conversion; each applies once), or another purchase under a used id (a conflict).
    /// The conversion is raised again only by a redelivery (<paramref name="redelivered"/>). A message is acknowledged
    /// only after its conversion is raised, so a message that wrote the record and stopped before the raise is still
    /// in its queue and comes back with a delivery count above 1; another message with the same purchase (a till that
    /// sent twice, delivered for the first time) finds the record and leaves the raise to that one. That saves the
    /// journey engine a step that changes nothing (about 4.5 of its storage requests) on every repeat.
    /// </summary>
    private async Task<PurchaseOutcome> RepeatAsync(Purchase purchase, TableEntity record, string fingerprint, bool redelivered, CancellationToken cancellationToken)
    {
        if (record.GetString("Fingerprint") is { } first && first != fingerprint) await ConflictAsync(purchase, record, fingerprint, cancellationToken);
        if (record.GetString("Status") == Crediting)
        {
            await (purchase.IsRefund ? FinishRefundCreditAsync(purchase, record, cancellationToken) : FinishCreditAsync(purchase, record, cancellationToken));
        }
        // A redelivery may follow a stop before the points or the conversion (the message is acknowledged after both): each applies once.
        if (redelivered) await RepeatPointsAsync(purchase, record, cancellationToken);
        if (redelivered && !purchase.IsRefund && record.GetString("CreditedKocId") is { } kocId)
        {
            await CreditKocAsync(purchase, record.GetString("CreditedStoreId")!, kocId, record.GetString("LeadId")!, cancellationToken);
        }
        if (redelivered && !purchase.IsRefund) await ConvertAsync(purchase, record.GetString("CreditedStoreId"), record.GetString("LeadId"), cancellationToken);
        Record("duplicate");
        return PurchaseOutcome.Duplicate;
    }

    /// <summary>
    /// A repeat buyer's journey was converted by an earlier credited purchase, and no scan since could have started it
    /// again: raising the event once more would cost the engine a step that changes nothing. (A redelivered purchase
    /// raises it regardless: its first delivery may have stopped before it did.)
    /// </summary>
    private static bool AlreadyConverted(Core.Scans.Member? before) =>
        before is { IsConverted: true, LastPurchaseAt: { } lastPurchase } && lastPurchase >= before.LastScanAt;

    /// <summary>The KOC who recruited the credited lead there: a purchase on their card, dated in the credited store's month (applied once per purchase).</summary>
    private async Task CreditKocAsync(Purchase purchase, string creditedStoreId, string kocId, string leadId, CancellationToken cancellationToken)
    {
        var zone = (await lanes.GetSettingsAsync(creditedStoreId, cancellationToken))?.Policy.TimeZone ?? TimeZoneInfo.Utc;
        await kocs.PurchasedAsync(creditedStoreId, kocId, leadId, purchase.StoreId, purchase.PurchaseId, purchase.Amount, purchase.PurchasedAt, zone, cancellationToken);
    }

    /// <summary>The credited lead's journey at the credited store ends converted (applied once per purchase).</summary>
    private async Task ConvertAsync(Purchase purchase, string? creditedStoreId, string? leadId, CancellationToken cancellationToken)
    {
        if (creditedStoreId is null || leadId is null) return;
        var converted = new Core.Journeys.Purchased(time.GetUtcNow(), Core.Journeys.JourneyEvents.PurchaseEventId(purchase.StoreId, purchase.PurchaseId));
        await journeys.RaiseAsync(creditedStoreId, leadId, converted, cancellationToken);
    }

    /// <summary>The attribution rule's inputs, read as cheaply as the common case allows (see <see cref="Attribution"/>).</summary>
    /// <returns>The decision, the credited membership, and whether the buyer is a lead at all (a member of some store), credited or not.</returns>
    private async Task<(AttributionDecision Decision, (Core.Scans.Member Member, ETag ETag)? Credited, bool Known)> DecideAsync(
        Purchase purchase, string leadId, TimeSpan sellingWindow, CancellationToken cancellationToken)
    {
        var here = await leads.ReadMemberAsync(purchase.StoreId, leadId, cancellationToken);
        var candidates = new List<(Candidate Candidate, ETag ETag)>();
        if (here is { } h)
        {
            var candidate = new Candidate(purchase.StoreId, h.Member, sellingWindow);
            if (Attribution.Covers(candidate, purchase.PurchasedAt)) return (new AttributionDecision(AttributionKind.SameStore, purchase.StoreId, h.Member.ClerkId), h, true);
            candidates.Add((candidate, h.ETag));
        }
        var index = await leads.GetIndexAsync(leadId, cancellationToken);
        foreach (var storeId in index?.StoreIds.Where(s => s != purchase.StoreId) ?? [])
        {
            var member = await leads.ReadMemberAsync(storeId, leadId, cancellationToken);
            var settings = await lanes.GetSettingsAsync(storeId, cancellationToken);
            if (member is { } m && settings is not null) candidates.Add((new Candidate(storeId, m.Member, settings.AttributionWindow), m.ETag));
        }
        var decision = Attribution.Decide(purchase.StoreId, purchase.PurchasedAt, [.. candidates.Select(c => c.Candidate)]);
        var credited = candidates.Find(c => c.Candidate.StoreId == decision.StoreId);
        return (decision, decision.Kind == AttributionKind.None ? null : (credited.Candidate.Member, credited.ETag), candidates.Count > 0);
    }

    private async Task CreditAsync(Purchase purchase, string leadId, AttributionDecision decision,
        (Core.Scans.Member Member, ETag ETag)? credited, CancellationToken cancellationToken)
    {
        var member = credited ?? await leads.ReadMemberAsync(decision.StoreId!, leadId, cancellationToken)
            ?? throw new InvalidOperationException($"Purchase {purchase.PurchaseId}: the lead is no member of {decision.StoreId}.");
        var marker = new Dictionary<string, object?>
        {
            ["SellingStoreId"] = purchase.StoreId,
            ["LeadId"] = leadId,
            ["ClerkId"] = decision.ClerkId,
            ["Amount"] = Text(purchase.Amount),
            ["PurchasedAt"] = purchase.PurchasedAt,
        };
        var credit = new PurchaseInput(purchase, leadId, PurchasePart.Credit, decision, member.Member);
        await lanes.CommitPurchaseAsync(decision.StoreId!, credit, member.ETag, marker).WaitAsync(cancellationToken);
    }

    /// <summary>A delivery found the record still crediting (a crash after the sale): apply the credit (once) and complete it.</summary>
    private async Task FinishCreditAsync(Purchase purchase, TableEntity record, CancellationToken cancellationToken)
    {
        var decision = new AttributionDecision(AttributionKind.CrossStore, record.GetString("CreditedStoreId"), record.GetString("CreditedClerkId"));
        var leadId = record.GetString("LeadId")!;
        LogResumed(logger, purchase.PurchaseId, decision.StoreId);
        await CreditAsync(purchase, leadId, decision, null, cancellationToken);
        await MarkCompleteAsync(purchase, cancellationToken);
    }

    private async Task MarkCompleteAsync(Purchase purchase, CancellationToken cancellationToken) =>
        await tables.Stores.UpdateEntityAsync(
            new TableEntity(purchase.StoreId, StoreRows.PurchaseKey(purchase.PurchaseId)) { ["Status"] = Complete },
            ETag.All, TableUpdateMode.Merge, cancellationToken);

    private static void Record(string outcome) => PurchasesCounter.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private static void LogResumed(ILogger logger, string purchaseId, string? storeId) =>
        logger.LogInformation("Purchase {PurchaseId}: finishing the cross-store credit to {StoreId} a crash left open", purchaseId, storeId);
}
