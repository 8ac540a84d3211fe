using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Audience;

namespace Funnel.App.Audience;

/// <summary>A tag on a lead at a store: who set it (a staff subject, "journey", "points", "scan") and when (null: from the lead's scan).</summary>
internal sealed record TagMark(string Tag, DateTimeOffset? At, string By);

/// <summary>
/// A lead's tags at a store: the names on its membership row (what scans, journeys and segments read) and, for indexed
/// tags (<see cref="LeadTags.IsIndexed"/>), an index row in the store's partition, "tagged|{tag}|{leadId}", with when
/// and who, written in the same transaction as the membership, conditional on the membership read (a scan writing it
/// meanwhile makes this read again). A segment requiring an indexed tag reads that range alone.
/// </summary>
internal sealed class TagStore(FunnelTables tables, LeadRepository leads)
{
    public const string IndexPrefix = "tagged|";
    private const int MaxAttempts = 10;

    /// <summary>Tags known to be on a membership: a step that earns a tag the lead has needs no read.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, string), byte> _known = new();

    public static string IndexKey(string tag, string leadId) => $"{IndexPrefix}{tag}|{leadId}";

    public static string IndexRange(string tag) => $"{IndexPrefix}{tag}|";

    /// <summary>Adds the tag (idempotent). False when the lead is no member of the store.</summary>
    public async Task<bool> AddAsync(string storeId, string leadId, string tag, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey((storeId, leadId, tag))) return true;
        var done = await ChangeAsync(storeId, leadId, tag, add: true, by, at, cancellationToken);
        if (done && _known.Count < 200_000) _known.TryAdd((storeId, leadId, tag), 0);
        return done;
    }

    /// <summary>Adds a brand-wide behaviour (a redemption) at every store the lead belongs to.</summary>
    public async Task AddEverywhereAsync(string leadId, string tag, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var store in (await leads.GetIndexAsync(leadId, cancellationToken))?.StoreIds ?? []) await AddAsync(store, leadId, tag, by, at, cancellationToken);
    }

    /// <summary>Forgets what this instance knew of the lead's tags at the store (it was erased).</summary>
    public void Forget(string storeId, string leadId)
    {
        foreach (var key in _known.Keys.Where(k => k.Item1 == storeId && k.Item2 == leadId)) _known.TryRemove(key, out _);
    }

    /// <summary>Removes the tag (idempotent). False when the lead is no member of the store.</summary>
    public Task<bool> RemoveAsync(string storeId, string leadId, string tag, CancellationToken cancellationToken)
    {
        _known.TryRemove((storeId, leadId, tag), out _);
        return ChangeAsync(storeId, leadId, tag, add: false, "", default, cancellationToken);
    }

    private async Task<bool> ChangeAsync(string storeId, string leadId, string tag, bool add, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await leads.ReadMemberAsync(storeId, leadId, cancellationToken) is not { } current) return false;
            var has = current.Member.Tags.Contains(tag);
            if (has == add) return true;
            var member = current.Member with { Tags = add ? [.. current.Member.Tags, tag] : [.. current.Member.Tags.Where(t => t != tag)] };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, StoreRows.Member(storeId, member), current.ETag) };
            if (LeadTags.IsIndexed(tag))
            {
                actions.Add(add
                    ? new(TableTransactionActionType.UpsertReplace, new TableEntity(storeId, IndexKey(tag, leadId)) { ["LeadId"] = leadId, ["Tag"] = tag, ["At"] = at, ["By"] = by })
                    : new(TableTransactionActionType.Delete, new TableEntity(storeId, IndexKey(tag, leadId)), ETag.All));
            }
            try
            {
                await tables.Stores.SubmitTransactionAsync(actions, cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                // the membership was written meanwhile: read again
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && !add)
            {
                // an index row missing (never written): remove the name alone
                await tables.Stores.UpdateEntityAsync(StoreRows.Member(storeId, member), current.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
        }
        throw new InvalidOperationException($"A lead's tags at {storeId} could not be changed after {MaxAttempts} attempts.");
    }

    /// <summary>The lead's tags at the store with when and who (tags without an index row came with its scan), or null when it is no member.</summary>
    public async Task<List<TagMark>?> MarksAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        if (await leads.ReadMemberAsync(storeId, leadId, cancellationToken) is not { } current) return null;
        var marks = await Task.WhenAll(current.Member.Tags.Select(async tag =>
        {
            if (!LeadTags.IsIndexed(tag)) return new TagMark(tag, current.Member.FirstScanAt, "scan");
            var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, IndexKey(tag, leadId), cancellationToken: cancellationToken);
            return row.HasValue ? new TagMark(tag, row.Value!.GetDateTimeOffset("At"), row.Value.GetString("By") ?? "") : new TagMark(tag, null, "");
        }));
        return [.. marks];
    }
}
