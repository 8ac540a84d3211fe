using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Kocs;

namespace Funnel.App.Kocs;

/// <summary>
/// The month-end assessment of a store's KOCs: each active KOC promoted before the month ended is raised, kept or
/// lowered by HQ's thresholds (<see cref="KocAssessment"/>) on the month's card, and the decision is recorded with why.
/// A store costs two requests however many KOCs it has: one query for the profiles, the month's cards and any
/// assessments already made, and one transaction that writes every KOC's assessment row with its new quota (a KOC
/// assessed before, by a run that got there first, is skipped; the assessment row's insert makes that exact).
/// </summary>
internal sealed class KocAssessor(FunnelTables tables, KocLedger ledger, KocCredits credits)
{
    private const int KocsPerTransaction = 50; // two actions each, within a transaction's 100

    public async Task<IReadOnlyList<KocAssessmentRecord>> AssessAsync(string storeId, KocMonth month, TimeZoneInfo zone, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (thresholds, _) = await credits.ThresholdsAsync(cancellationToken);
        var end = month.EndIn(zone);
        for (var attempt = 1; ; attempt++)
        {
            var (profiles, cards, assessed) = await ledger.StoreMonthAsync(storeId, month, cancellationToken);
            var due = profiles.Where(p => p.Profile.Active && p.Profile.PromotedAt < end && !assessed.ContainsKey(KocLedger.Key(p.Profile))
                && string.CompareOrdinal(p.Profile.LastAssessedMonth ?? "", month.ToString()) < 0).ToList();
            var records = new List<KocAssessmentRecord>(due.Count);
            try
            {
                foreach (var chunk in due.Chunk(KocsPerTransaction))
                {
                    var actions = new List<TableTransactionAction>(chunk.Length * 2);
                    foreach (var (profile, etag) in chunk)
                    {
                        var card = cards.GetValueOrDefault(KocLedger.Key(profile));
                        var decision = KocAssessment.Decide(card, profile.Quota, thresholds);
                        var record = new KocAssessmentRecord(month.ToString(), profile.LeadId, decision.Verdict, decision.QuotaBefore, decision.QuotaAfter, decision.Reasons, card, at);
                        actions.Add(new(TableTransactionActionType.Add, KocRows.Assessment(storeId, month, record)));
                        actions.Add(new(TableTransactionActionType.UpdateReplace,
                            KocRows.Profile(profile with { Quota = decision.QuotaAfter, LastAssessedMonth = month.ToString() }), etag));
                        records.Add(record);
                    }
                    await tables.Kocs.SubmitTransactionAsync(actions, cancellationToken);
                }
                return records;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // A recruit moved a profile meanwhile, or another run assessed some: read again (what committed stays, and is skipped).
            }
        }
    }
}
