using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Journeys;
using Funnel.Core.Kocs;

namespace Funnel.App.Kocs;

/// <summary>
/// The KOC programme's writes: promotion, and the credits a KOC earns from the funnel's events, each keyed by its source
/// event so it applies once (see <see cref="KocLedger"/>). A recruit is "recruit:{lead}" (or "over-quota:{lead}" when the
/// quota was full: recorded, and the lead is the store's alone); a purchase is "purchase:{selling store}:{id}", and a
/// recruit's first one also "converted:{lead}"; a journey metric is "journey:{lead}:{step version}:{metric's place in the step}".
/// Months are the store's local months.
/// </summary>
internal sealed class KocCredits(KocLedger ledger, FunnelTables tables)
{
    private const string RulesPartition = "koc-rules";
    private const string RulesRow = "current";

    /// <summary>Makes the lead a KOC at the store with <paramref name="quota"/> (again: the quota and clerk change, the count served stays).</summary>
    public Task<KocProfile> PromoteAsync(string storeId, string leadId, int quota, string? clerkId, string by, DateTimeOffset at, CancellationToken cancellationToken) =>
        ledger.ApplyAsync(storeId, leadId, null, [], view =>
        {
            var profile = view.Profile is { } p
                ? p with { Quota = quota, Active = true, ClerkId = clerkId }
                : new KocProfile(storeId, leadId, quota, 0, true, at, by, clerkId, null);
            return (new KocChange([], Profile: profile), profile);
        }, cancellationToken);

    /// <summary>The lead, new to the store, came through the KOC's code: the KOC's recruit while it has room (then returns true), otherwise the store's alone.</summary>
    public Task<bool> RecruitAsync(string storeId, string kocId, string leadId, DateTimeOffset at, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var (recruit, over) = ("recruit:" + leadId, "over-quota:" + leadId);
        return ledger.ApplyAsync(storeId, kocId, KocMonth.Of(at, zone), [recruit, over], view =>
        {
            if (view.Applied.Contains(recruit)) return (null, true);
            if (view.Applied.Contains(over) || view.Profile is not { Active: true } profile) return (null, false);
            return profile.HasRoom
                ? (new KocChange([(recruit, "recruit", leadId)], new KocCard(Recruited: 1), profile with { Served = profile.Served + 1 }), true)
                : (new KocChange([(over, "over-quota", leadId)], new KocCard(OverQuota: 1)), false);
        }, cancellationToken);
    }

    /// <summary>A purchase credited to the store whose buyer the KOC recruited there: a purchase on the KOC's card, and a conversion if it is the recruit's first.</summary>
    public Task PurchasedAsync(string storeId, string kocId, string leadId, string sellingStoreId, string purchaseId, decimal amount, DateTimeOffset at, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        var (purchase, converted) = ($"purchase:{sellingStoreId}:{purchaseId}", "converted:" + leadId);
        return ledger.ApplyAsync(storeId, kocId, KocMonth.Of(at, zone), [purchase, converted], view =>
        {
            if (view.Applied.Contains(purchase)) return (null, 0);
            var first = !view.Applied.Contains(converted);
            List<(string, string, string?)> entries = first ? [(purchase, "purchase", leadId), (converted, "converted", leadId)] : [(purchase, "purchase", leadId)];
            return (new KocChange(entries, new KocCard(Purchases: 1, Conversions: first ? 1 : 0, Revenue: amount)), 0);
        }, cancellationToken);
    }

    /// <summary>A journey metric of the KOC's recruit that the KOC is assessed on (questions answered in time or late, complaints); others add nothing.</summary>
    public Task JourneyMetricAsync(string storeId, string kocId, string leadId, string step, FunnelMetric metric, DateTimeOffset at, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        if (CardOf(metric) is not { } d) return Task.CompletedTask;
        var source = $"journey:{leadId}:{step}";
        return ledger.ApplyAsync(storeId, kocId, KocMonth.Of(at, zone), [source], view =>
            (view.Applied.Contains(source) ? null : new KocChange([(source, "journey", leadId)], d), 0), cancellationToken);
    }

    /// <summary>True for the journey metrics a KOC is assessed on.</summary>
    public static bool Counts(FunnelMetric metric) => CardOf(metric) is not null;

    private static KocCard? CardOf(FunnelMetric metric) => metric switch
    {
        FunnelMetric.QuestionInTime => new KocCard(QuestionsInTime: 1),
        FunnelMetric.QuestionLate => new KocCard(QuestionsLate: 1),
        FunnelMetric.Complaint => new KocCard(Complaints: 1),
        _ => null,
    };

    /// <summary>HQ's thresholds for the month-end assessment (the defaults until HQ sets them).</summary>
    public async Task<(KocThresholds Thresholds, DateTimeOffset? UpdatedAt)> ThresholdsAsync(CancellationToken cancellationToken)
    {
        var row = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(RulesPartition, RulesRow, cancellationToken: cancellationToken);
        if (!row.HasValue) return (KocThresholds.Defaults, null);
        var json = row.Value!.GetString("Thresholds");
        return (json is null ? KocThresholds.Defaults : System.Text.Json.JsonSerializer.Deserialize<KocThresholds>(json) ?? KocThresholds.Defaults, row.Value.GetDateTimeOffset("UpdatedAt"));
    }

    public async Task SaveThresholdsAsync(KocThresholds thresholds, DateTimeOffset at, CancellationToken cancellationToken) =>
        await tables.Directory.UpsertEntityAsync(new TableEntity(RulesPartition, RulesRow)
        {
            ["Thresholds"] = System.Text.Json.JsonSerializer.Serialize(thresholds), ["UpdatedAt"] = at,
        }, TableUpdateMode.Replace, cancellationToken);
}
