using System.Text.Json;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Audience;

namespace Funnel.App.Audience;

/// <summary>A saved segment: its scope and filter, who made it and when (<see cref="OwnerStoreId"/>: a store's own segment, null: HQ's).</summary>
internal sealed record Segment(string SegmentId, string Name, SegmentScope Scope, SegmentFilter Filter, DateTimeOffset CreatedAt, string CreatedBy, string? OwnerStoreId);

/// <summary>Segments in table "segments", partition "segment", one row each (the definition as JSON).</summary>
internal sealed class SegmentStore(FunnelTables tables)
{
    private const string Partition = "segment";
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Saves the segment unless one with its id exists; answers the stored one either way.</summary>
    public async Task<(Segment Segment, bool Created)> AddAsync(Segment segment, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Segments.AddEntityAsync(new TableEntity(Partition, segment.SegmentId) { ["Definition"] = JsonSerializer.Serialize(segment, Json) }, cancellationToken);
            return (segment, true);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            return ((await GetAsync(segment.SegmentId, cancellationToken))!, false);
        }
    }

    public async Task<Segment?> GetAsync(string segmentId, CancellationToken cancellationToken)
    {
        var row = await tables.Segments.GetEntityIfExistsAsync<TableEntity>(Partition, segmentId, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    public async Task<List<Segment>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<Segment>();
        await foreach (var e in tables.Segments.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            list.Add(Read(e));
        }
        return list;
    }

    private static Segment Read(TableEntity e) => JsonSerializer.Deserialize<Segment>(e.GetString("Definition") ?? "null", Json)
        ?? throw new InvalidDataException($"Segment row {e.RowKey} has no definition.");
}

/// <summary>What a segment picked: each lead once (at the first store in scope it matched), and what reading it cost.</summary>
internal sealed record SegmentResult(IReadOnlyList<SegmentCandidate> Members, int Stores, long RowsRead, TimeSpan Took);

/// <summary>
/// Evaluates a segment: the stores in scope (one directory query), then each store's partition, 16 at a time. A
/// filter requiring an indexed tag (<see cref="LeadTags.IsIndexed"/>) reads that tag's index range and the tagged
/// members alone, so its cost grows with the leads it returns; any other filter reads the store's membership rows
/// (only the columns it needs), and the journey rows only when a stage or activity condition asks for them. The points
/// balance is read last, for the leads still in, when the filter names points.
/// </summary>
internal sealed class SegmentEvaluator(FunnelTables tables, StoreRepository stores, Points.PointsLedger points, Kocs.KocLedger kocLedger)
{
    public const int Parallel = 16;

    /// <summary>Above this many tagged members a store's membership range is read once instead of one row each.</summary>
    public const int PointReadLimit = 200;

    private static readonly string[] MemberColumns = ["RowKey", "LeadId", "Tags", "LastScanAt", "Purchases", "LastPurchaseAt", "Spent", "KocId"];
    private static readonly string[] JourneyColumns = ["RowKey", "Stage", "LastEngagedAt"];

    public async Task<SegmentResult> EvaluateAsync(SegmentScope scope, SegmentFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(filter);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        IReadOnlyList<string> storeIds = scope.Kind == SegmentScope.Store
            ? [scope.StoreId!]
            : [.. (await stores.ListAsync(scope.Kind == SegmentScope.RegionKind ? scope.Region : null, cancellationToken)).Select(s => s.StoreId)];
        var perStore = new List<SegmentCandidate>[storeIds.Count];
        long rows = 0;
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, storeIds.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (found, read) = await StoreAsync(storeIds[i], filter, now, ct);
                perStore[i] = found;
                Interlocked.Add(ref rows, read);
            });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var members = perStore.SelectMany(m => m).Where(m => seen.Add(m.LeadId)).ToList();
        return new SegmentResult(members, storeIds.Count, rows, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    private async Task<(List<SegmentCandidate>, long)> StoreAsync(string storeId, SegmentFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long read = 0;
        var memberRows = new List<TableEntity>();
        if (filter.IndexTag is { } tag)
        {
            var ids = new List<string>();
            await foreach (var e in tables.Stores.QueryAsync<TableEntity>(StoreRows.PrefixFilter(storeId, TagStore.IndexRange(tag)), select: ["LeadId"], cancellationToken: cancellationToken))
            {
                read++;
                if (e.GetString("LeadId") is { } id) ids.Add(id);
            }
            if (ids.Count == 0) return ([], read);
            if (ids.Count <= PointReadLimit)
            {
                var found = await Task.WhenAll(ids.Select(id => tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.MemberKey(id), MemberColumns, cancellationToken)));
                read += ids.Count;
                memberRows.AddRange(found.Where(r => r.HasValue).Select(r => r.Value!));
            }
            else
            {
                var wanted = ids.ToHashSet(StringComparer.Ordinal);
                read += await ReadRangeAsync(storeId, StoreRows.MemberPrefix, MemberColumns, e => { if (wanted.Contains(e.GetString("LeadId") ?? "")) memberRows.Add(e); }, cancellationToken);
            }
        }
        else
        {
            read += await ReadRangeAsync(storeId, StoreRows.MemberPrefix, MemberColumns, memberRows.Add, cancellationToken);
        }
        var journeys = new Dictionary<string, (string? Stage, DateTimeOffset? Engaged)>(StringComparer.Ordinal);
        if (filter.NeedsJourney && memberRows.Count > 0)
        {
            read += await ReadRangeAsync(storeId, JourneyRows.JourneyPrefix, JourneyColumns,
                e => journeys[e.RowKey[JourneyRows.JourneyPrefix.Length..]] = (e.GetString("Stage"), e.GetDateTimeOffset("LastEngagedAt")), cancellationToken);
        }
        HashSet<string> kocs = filter.Koc is null ? [] : [.. (await kocLedger.ProfilesAsync(storeId, cancellationToken)).Select(p => p.LeadId)];
        read += kocs.Count;
        var candidates = new List<SegmentCandidate>();
        foreach (var e in memberRows)
        {
            var leadId = e.GetString("LeadId") ?? e.RowKey[StoreRows.MemberPrefix.Length..];
            journeys.TryGetValue(leadId, out var journey);
            var lastScan = e.GetDateTimeOffset("LastScanAt") ?? default;
            var lastBuy = e.GetDateTimeOffset("LastPurchaseAt");
            var last = new[] { lastScan, lastBuy ?? default, journey.Engaged ?? default }.Max();
            var candidate = new SegmentCandidate(leadId, storeId, (e.GetString("Tags") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), journey.Stage,
                last, e.GetInt32("Purchases") ?? 0, lastBuy, StoreRows.Money(e.GetString("Spent")), kocs.Contains(leadId));
            if (filter.MatchesMember(candidate, now)) candidates.Add(candidate);
        }
        if (filter.NeedsPoints && candidates.Count > 0)
        {
            // A point read per lead still in, a bounded number at a time (a chain-wide points filter may leave many).
            var balances = await points.BalancesAsync([.. candidates.Select(c => c.LeadId)], cancellationToken);
            read += candidates.Count;
            candidates = [.. candidates.Where((_, i) => filter.MatchesPoints(balances[i].Balance))];
        }
        return (candidates, read);
    }

    private async Task<long> ReadRangeAsync(string storeId, string prefix, string[] columns, Action<TableEntity> each, CancellationToken cancellationToken)
    {
        long n = 0;
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(StoreRows.PrefixFilter(storeId, prefix), select: columns, cancellationToken: cancellationToken))
        {
            n++;
            each(e);
        }
        return n;
    }
}
