using Azure;
using Azure.Data.Tables;
using Funnel.Core.Scans;

namespace Funnel.App.Storage;

/// <summary>
/// A lead's brand-wide index (table "leads", PartitionKey = leadId): a "profile" row created by the lead's
/// first scan anywhere, and a "store|{storeId}" link row per store the lead belongs to. The membership itself
/// (seat, clerk, tags) lives in the store's partition, which is authoritative.
/// </summary>
internal sealed class LeadRepository(FunnelTables tables)
{
    private const string ProfileKey = "profile";
    private const string StoreLinkPrefix = "store|";

    public async Task<(Member Member, ETag ETag)?> ReadMemberAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.MemberKey(leadId), cancellationToken: cancellationToken);
        return row.HasValue ? (StoreRows.ToMember(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>
    /// Links the lead to a store, creating the brand-wide profile if this is the lead's first scan anywhere.
    /// Idempotent. Returns true when this call created the profile (the shopper is new to the brand).
    /// </summary>
    public async Task<bool> LinkAsync(string leadId, string storeId, string? clerkId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var link = new TableEntity(leadId, StoreLinkPrefix + storeId) { ["StoreId"] = storeId, ["LinkedAt"] = now };
        try
        {
            await tables.Leads.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(leadId, ProfileKey)
                {
                    ["CreatedAt"] = now,
                    ["FirstStoreId"] = storeId,
                    ["FirstClerkId"] = clerkId,
                }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, link),
            ], cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 0)
        {
            await tables.Leads.UpsertEntityAsync(link, TableUpdateMode.Replace, cancellationToken);
            return false;
        }
    }

    public async Task<LeadIndex?> GetIndexAsync(string leadId, CancellationToken cancellationToken)
    {
        DateTimeOffset? createdAt = null;
        string? firstStore = null, firstClerk = null;
        var stores = new List<string>();
        await foreach (var e in tables.Leads.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {leadId}"), cancellationToken: cancellationToken))
        {
            if (e.RowKey == ProfileKey)
            {
                createdAt = e.GetDateTimeOffset("CreatedAt");
                firstStore = e.GetString("FirstStoreId");
                firstClerk = e.GetString("FirstClerkId");
            }
            else if (e.RowKey.StartsWith(StoreLinkPrefix, StringComparison.Ordinal))
            {
                stores.Add(e.RowKey[StoreLinkPrefix.Length..]);
            }
        }
        return createdAt is null && stores.Count == 0 ? null : new LeadIndex(leadId, createdAt, firstStore, firstClerk, stores);
    }
}

internal sealed record LeadIndex(string LeadId, DateTimeOffset? CreatedAt, string? FirstStoreId, string? FirstClerkId, IReadOnlyList<string> StoreIds);
