using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Kocs;

namespace Funnel.App.Kocs;

/// <summary>What a change to a KOC sees: the profile, the month's card, and which of the asked source events were applied before.</summary>
internal sealed record KocView(KocProfile? Profile, KocCard Card, IReadOnlySet<string> Applied);

/// <summary>A change to a KOC: entries to record (one per source event), what they add to the month's card, and the profile after it (null: unchanged).</summary>
internal sealed record KocChange(IReadOnlyList<(string SourceId, string Kind, string? LeadId)> Entries, KocCard Delta = default, KocProfile? Profile = null);

/// <summary>
/// A KOC's books at a store (table kocs, see <see cref="KocRows"/>), built like the points ledger: each change inserts an
/// entry per source event and writes the month's card and the profile in one entity-group transaction, conditional on
/// them as read. So a recruit, a purchase or a journey event applies to a KOC exactly once however often it is
/// delivered, the card is always its entries' sum, and the quota is never overrun (two recruits racing for the last
/// place: the second writer's profile is stale, it reads again and finds the quota full). Each change costs two
/// requests: one query that reads the profile, the card and the entries together, and the transaction.
/// </summary>
internal sealed class KocLedger(FunnelTables tables)
{
    private const int MaxAttempts = 100;
    private readonly KeyedGate _gate = new();

    /// <param name="month">The store-local month whose card the change reads and adds to; null for a change of the profile alone.</param>
    public Task<T> ApplyAsync<T>(string storeId, string kocId, KocMonth? month, IReadOnlyList<string> sourceIds,
        Func<KocView, (KocChange? Change, T Result)> decide, CancellationToken cancellationToken) =>
        _gate.RunAsync($"{storeId}|{kocId}", () => ApplyNowAsync(storeId, kocId, month, sourceIds, decide, cancellationToken), cancellationToken);

    private async Task<T> ApplyNowAsync<T>(string storeId, string kocId, KocMonth? month, IReadOnlyList<string> sourceIds,
        Func<KocView, (KocChange? Change, T Result)> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (view, profileETag, cardETag) = await ReadAsync(storeId, kocId, month, sourceIds, cancellationToken);
            var (change, result) = decide(view);
            if (change is null) return result;
            var actions = new List<TableTransactionAction>(change.Entries.Count + 2);
            foreach (var (sourceId, kind, leadId) in change.Entries)
            {
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(storeId, KocRows.EntryKey(kocId, sourceId))
                {
                    ["Kind"] = kind, ["LeadId"] = leadId, ["Month"] = month?.ToString(),
                }));
            }
            if (change.Delta != default)
            {
                var card = KocRows.Card(storeId, month ?? throw new InvalidOperationException("A change to a KOC's card needs its month."), kocId, view.Card + change.Delta);
                actions.Add(cardETag is { } c ? new(TableTransactionActionType.UpdateReplace, card, c) : new(TableTransactionActionType.Add, card));
            }
            if (change.Profile is { } profile)
            {
                var row = KocRows.Profile(profile);
                actions.Add(profileETag is { } p ? new(TableTransactionActionType.UpdateReplace, row, p) : new(TableTransactionActionType.Add, row));
            }
            try
            {
                if (actions.Count > 0) await tables.Kocs.SubmitTransactionAsync(actions, cancellationToken);
                return result;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // An entry came meanwhile (a concurrent delivery: the next read finds it), or the card or profile moved: read again.
            }
        }
    }

    /// <summary>The profile, the month's card and the asked entries, in one query.</summary>
    private async Task<(KocView View, ETag? Profile, ETag? Card)> ReadAsync(
        string storeId, string kocId, KocMonth? month, IReadOnlyList<string> sourceIds, CancellationToken cancellationToken)
    {
        var keys = new List<string> { KocRows.ProfileKey(kocId) };
        if (month is { } m) keys.Add(KocRows.CardKey(m, kocId));
        keys.AddRange(sourceIds.Select(s => KocRows.EntryKey(kocId, s)));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {storeId}") + " and (" + string.Join(" or ", keys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
        KocProfile? profile = null;
        ETag? profileETag = null, cardETag = null;
        var card = default(KocCard);
        var applied = new HashSet<string>(StringComparer.Ordinal);
        var entryPrefix = KocRows.EntryKey(kocId, "");
        await foreach (var row in tables.Kocs.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith(KocRows.ProfilePrefix, StringComparison.Ordinal)) (profile, profileETag) = (KocRows.ToProfile(row), row.ETag);
            else if (row.RowKey.StartsWith(KocRows.CardPrefix, StringComparison.Ordinal)) (card, cardETag) = (KocRows.ToCard(row), row.ETag);
            else applied.Add(row.RowKey[entryPrefix.Length..]);
        }
        return (new KocView(profile, card, applied), profileETag, cardETag);
    }

    /// <summary>A store's KOCs (every profile, active or not), their cards for <paramref name="month"/> and that month's assessments, in one query.</summary>
    public async Task<(List<(KocProfile Profile, ETag ETag)> Profiles, Dictionary<string, KocCard> Cards, Dictionary<string, KocAssessmentRecord> Assessments)> StoreMonthAsync(
        string storeId, KocMonth month, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {storeId}") + " and (" + KocRows.Range(KocRows.ProfilePrefix) + " or "
            + KocRows.Range($"{KocRows.CardPrefix}{month}|") + " or " + KocRows.Range($"{KocRows.AssessmentPrefix}{month}|") + ")";
        return await CollectAsync(filter, cancellationToken);
    }

    /// <summary>The store's KOCs (every profile, active or not), in one query.</summary>
    public async Task<List<KocProfile>> ProfilesAsync(string storeId, CancellationToken cancellationToken) =>
        [.. (await CollectAsync(TableClient.CreateQueryFilter($"PartitionKey eq {storeId}") + " and " + KocRows.Range(KocRows.ProfilePrefix), cancellationToken)).Profiles.Select(p => p.Profile)];

    /// <summary>Every store's KOCs with their cards for <paramref name="month"/> (the HQ leaderboard): a query over the table by row key ranges.</summary>
    public async Task<(List<(KocProfile Profile, ETag ETag)> Profiles, Dictionary<string, KocCard> Cards)> AllAsync(KocMonth month, CancellationToken cancellationToken)
    {
        var (profiles, cards, _) = await CollectAsync(KocRows.Range(KocRows.ProfilePrefix) + " or " + KocRows.Range($"{KocRows.CardPrefix}{month}|"), cancellationToken);
        return (profiles, cards);
    }

    /// <summary>The KOC's profile at the store, if the lead was ever promoted there.</summary>
    public async Task<(KocProfile Profile, ETag ETag)?> ProfileAsync(string storeId, string kocId, CancellationToken cancellationToken)
    {
        var row = await tables.Kocs.GetEntityIfExistsAsync<TableEntity>(storeId, KocRows.ProfileKey(kocId), cancellationToken: cancellationToken);
        return row.HasValue ? (KocRows.ToProfile(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>The key of a KOC's card and assessment in what <see cref="StoreMonthAsync"/> and <see cref="AllAsync"/> answer.</summary>
    public static string Key(KocProfile profile) => $"{profile.StoreId}|{profile.LeadId}";

    /// <summary>Profiles with their ETags; cards and assessments keyed by <see cref="Key"/>.</summary>
    private async Task<(List<(KocProfile Profile, ETag ETag)> Profiles, Dictionary<string, KocCard> Cards, Dictionary<string, KocAssessmentRecord> Assessments)> CollectAsync(
        string filter, CancellationToken cancellationToken)
    {
        var profiles = new List<(KocProfile, ETag)>();
        var cards = new Dictionary<string, KocCard>(StringComparer.Ordinal);
        var assessments = new Dictionary<string, KocAssessmentRecord>(StringComparer.Ordinal);
        await foreach (var row in tables.Kocs.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var key = $"{row.PartitionKey}|{row.GetString("LeadId")}";
            if (row.RowKey.StartsWith(KocRows.ProfilePrefix, StringComparison.Ordinal)) profiles.Add((KocRows.ToProfile(row), row.ETag));
            else if (row.RowKey.StartsWith(KocRows.CardPrefix, StringComparison.Ordinal)) cards[key] = KocRows.ToCard(row);
            else if (row.RowKey.StartsWith(KocRows.AssessmentPrefix, StringComparison.Ordinal)) assessments[key] = KocRows.ToAssessment(row);
        }
        return (profiles, cards, assessments);
    }
}
