using Azure.Data.Tables;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core.Audience;
using Funnel.Core.Journeys;
using Funnel.App.Points;
using Funnel.Core.Scans;

namespace Funnel.App.Audience;

/// <summary>Everything Funnel holds about a lead, as one document (the right of access).</summary>
internal sealed record LeadExportDocument(
    string LeadId, DateTimeOffset ExportedAt, LeadIndex Lead, List<ExportedMembership> Memberships, ExportedPoints Points, ConsentState Consent,
    List<ConsentRecord> ConsentHistory, IReadOnlyList<Received> BroadcastsReceived, ExportedWeCom? WeCom, List<Dictionary<string, object?>> Purchases,
    List<Dictionary<string, object?>> KocRecords);

/// <summary>A store's view of the lead: the membership, its tags with when and who, the journey (and the engine's history of it) and its messages.</summary>
internal sealed record ExportedMembership(
    string StoreId, Member Member, List<TagMark> Tags, JourneyState? Journey, JourneyEngineHistory? EngineHistory, List<WeCom.DeliveryRecord> Messages);

internal sealed record ExportedPoints(long Balance, long Earned, long Spent, long Debt, List<PointsEntry> Entries);

/// <summary>The lead's WeCom identity (kept sealed at rest; shown here to its owner).</summary>
internal sealed record ExportedWeCom(string ExternalUserId, string? ClerkId);

internal sealed class LeadExport(
    FunnelTables tables, LeadRepository leads, JourneyRepository journeys, JourneyService engine, TagStore tags, WeCom.DeliveryLedger deliveries,
    Points.PointsLedger points, PeopleStore people, WeCom.WeComIdentities identities, TimeProvider time)
{
    /// <summary>The document, or null when nothing is held about the lead.</summary>
    public async Task<LeadExportDocument?> BuildAsync(string leadId, CancellationToken cancellationToken)
    {
        if (await leads.GetIndexAsync(leadId, cancellationToken) is not { } index) return null;
        var memberships = new List<ExportedMembership>();
        var purchases = new List<Dictionary<string, object?>>();
        var kocs = new List<Dictionary<string, object?>>();
        foreach (var store in index.StoreIds)
        {
            if (await leads.ReadMemberAsync(store, leadId, cancellationToken) is not { } member) continue;
            var journey = await journeys.ReadAsync(store, leadId, cancellationToken);
            memberships.Add(new ExportedMembership(store, member.Member, await tags.MarksAsync(store, leadId, cancellationToken) ?? [], journey?.State,
                await engine.HistoryAsync(store, leadId, cancellationToken), await deliveries.ForLeadAsync(store, leadId, cancellationToken)));
            var sales = StoreRows.SalesOfLeadFilter(store, leadId);
            await foreach (var e in tables.Stores.QueryAsync<TableEntity>(sales, cancellationToken: cancellationToken)) purchases.Add(Plain(e));
            await foreach (var e in tables.Kocs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {store} and LeadId eq {leadId}"), cancellationToken: cancellationToken))
            {
                kocs.Add(Plain(e));
            }
        }
        var (balance, entries) = await points.ReadAllAsync(leadId, cancellationToken);
        var (consent, received, _) = await people.StateAsync(leadId, cancellationToken);
        var contact = await identities.FindAsync(leadId, cancellationToken);
        return new LeadExportDocument(leadId, time.GetUtcNow(), index, memberships, new ExportedPoints(balance.Balance, balance.Earned, balance.Spent, balance.Debt, entries),
            consent, await people.HistoryAsync(leadId, cancellationToken), received, contact is null ? null : new ExportedWeCom(contact.ExternalUserId, contact.ClerkId),
            purchases, kocs);
    }

    /// <summary>A row's own properties, without the table's bookkeeping.</summary>
    private static Dictionary<string, object?> Plain(TableEntity e) =>
        e.Where(p => p.Key is not ("odata.etag" or "Timestamp" or "PartitionKey")).ToDictionary(p => p.Key == "RowKey" ? "key" : p.Key, p => (object?)p.Value, StringComparer.Ordinal);
}
