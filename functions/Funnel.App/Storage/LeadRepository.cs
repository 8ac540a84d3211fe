using Azure;
using Azure.Data.Tables;
using Funnel.Core.Scans;

namespace Funnel.App.Storage;

/// <summary>
/// A lead's brand-wide index (table "leads", PartitionKey = leadId, one row "lead"): when and where the lead was
/// first seen, and every store the lead belongs to. The membership itself (seat, clerk, tags) lives in the
/// store's partition, which is authoritative; the index is how a purchase anywhere finds the recruiting store.
/// </summary>
internal sealed class LeadRepository(FunnelTables tables)
{
    private const string RowKey = "lead";
    private const int MaxIndexAttempts = 10;

    /// <summary>
    /// Memberships this instance has seen exist. A membership is never removed, so a remembered one needs no read; a
    /// forgotten one (the set is cleared when it grows large) costs one.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string StoreId, string LeadId), byte> _knownMembers = new();

    private const int MaxKnownMembers = 200_000;

    /// <summary>Whether the lead is a member of the store (has scanned there, so its journey there exists).</summary>
    public async ValueTask<bool> IsMemberAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        if (_knownMembers.ContainsKey((storeId, leadId))) return true;
        var exists = await ReadMemberAsync(storeId, leadId, cancellationToken) is not null;
        if (exists) RememberMember(storeId, leadId);
        return exists;
    }

    /// <summary>Forgets a membership (it was erased: the one case a membership goes).</summary>
    public void ForgetMember(string storeId, string leadId) => _knownMembers.TryRemove((storeId, leadId), out _);

    /// <summary>Notes a membership that exists (a scan committed it).</summary>
    public void RememberMember(string storeId, string leadId)
    {
        if (_knownMembers.Count >= MaxKnownMembers) _knownMembers.Clear();
        _knownMembers.TryAdd((storeId, leadId), 0);
    }

    public async Task<(Member Member, ETag ETag)?> ReadMemberAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.MemberKey(leadId), cancellationToken: cancellationToken);
        return row.HasValue ? (StoreRows.ToMember(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>The store's members' lead ids, at most <paramref name="limit"/> (one range query that brings back the ids alone).</summary>
    public async Task<List<string>> MemberIdsAsync(string storeId, int limit, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in tables.Stores.QueryAsync<TableEntity>(StoreRows.PrefixFilter(storeId, StoreRows.MemberPrefix), select: ["LeadId"], cancellationToken: cancellationToken))
        {
            if (row.GetString("LeadId") is { } id) ids.Add(id);
            if (ids.Count >= limit) break;
        }
        return ids;
    }

    /// <summary>
    /// Links the lead to a store, creating the index row if this is the lead's first scan anywhere (one insert,
    /// the common case). Idempotent. Returns true when this call created the row (the shopper is new to the brand).
    /// </summary>
    public async Task<bool> LinkAsync(string leadId, string storeId, string? clerkId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Leads.AddEntityAsync(new TableEntity(leadId, RowKey)
            {
                ["CreatedAt"] = now,
                ["FirstStoreId"] = storeId,
                ["FirstClerkId"] = clerkId,
                ["Stores"] = storeId,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status409Conflict)
        {
            // Known elsewhere: add this store to the list (read, then write conditional on what was read).
            for (var attempt = 0; attempt < MaxIndexAttempts; attempt++)
            {
                var row = (await tables.Leads.GetEntityAsync<TableEntity>(leadId, RowKey, cancellationToken: cancellationToken)).Value;
                var stores = StoresOf(row);
                if (stores.Contains(storeId)) return false;
                row["Stores"] = string.Join(',', stores.Append(storeId));
                try
                {
                    await tables.Leads.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                    return false;
                }
                catch (RequestFailedException conflict) when (conflict.Status == StatusCodes.Status412PreconditionFailed)
                {
                    // Another store was added at the same moment: read again.
                }
            }
            throw new InvalidOperationException($"A lead could not add store {storeId} to its index after {MaxIndexAttempts} attempts.");
        }
    }

    /// <summary>
    /// Adds a tag to the lead's membership at the store (idempotent). Conditional on the ETag it read, like every
    /// membership write: a store lane writing the row meanwhile makes this read again, and the lane's own write
    /// conditional on its older ETag re-reads too, so neither change is lost. False when the lead is no member there.
    /// </summary>
    public async Task<bool> TagAsync(string storeId, string leadId, string tag, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxIndexAttempts; attempt++)
        {
            var read = await ReadMemberAsync(storeId, leadId, cancellationToken);
            if (read is not { } current) return false;
            if (current.Member.Tags.Contains(tag)) return true;
            try
            {
                await tables.Stores.UpdateEntityAsync(StoreRows.Member(storeId, current.Member with { Tags = [.. current.Member.Tags, tag] }),
                    current.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == StatusCodes.Status412PreconditionFailed)
            {
                // written meanwhile: read again
            }
        }
        throw new InvalidOperationException($"A lead's membership at {storeId} could not be tagged after {MaxIndexAttempts} attempts.");
    }

    /// <summary>
    /// Notes on the membership that a broadcast was sent to the lead (one merge of that property: a lane writing the row
    /// meanwhile holds an older ETag and reads again). Nothing when the membership is gone (erased).
    /// </summary>
    public async Task MarkBroadcastAsync(string storeId, string leadId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Stores.UpdateEntityAsync(new TableEntity(storeId, StoreRows.MemberKey(leadId)) { ["LastBroadcastAt"] = at }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            // erased meanwhile
        }
    }

    public async Task<LeadIndex?> GetIndexAsync(string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Leads.GetEntityIfExistsAsync<TableEntity>(leadId, RowKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        return new LeadIndex(leadId, e.GetDateTimeOffset("CreatedAt"), e.GetString("FirstStoreId"), e.GetString("FirstClerkId"), StoresOf(e));
    }

    private static string[] StoresOf(TableEntity e) => (e.GetString("Stores") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed record LeadIndex(string LeadId, DateTimeOffset? CreatedAt, string? FirstStoreId, string? FirstClerkId, IReadOnlyList<string> StoreIds);
