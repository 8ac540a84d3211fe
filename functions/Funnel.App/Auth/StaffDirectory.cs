using System.ComponentModel;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Microsoft.Extensions.Caching.Hybrid;

namespace Funnel.App.Auth;

/// <summary>A principal's place in a store: an Entra user (object id) or a POS application (client id), and for a clerk, which clerk.</summary>
[ImmutableObject(true)]
internal sealed record StaffAssignment(string PrincipalId, string StoreId, string? ClerkId, DateTimeOffset UpdatedAt);

/// <summary>
/// Staff membership, kept by Funnel so that a deployed app needs no per-tenant claims mapping in Entra ID: HQ assigns
/// a principal to a store (and a clerk), and a token carrying only an app role is scoped by that assignment
/// (<see cref="StaffClaims"/>). One row per principal in the directory table's "staff" partition, so the lookup on a
/// request is one point read, and a store's list one partition query. A principal belongs to one store at a time.
/// Lookups are cached for <see cref="CacheFor"/>: a change made on this instance applies at once, on other instances
/// within that time.
/// </summary>
internal sealed class StaffDirectory(FunnelTables tables, HybridCache cache)
{
    public const string Partition = "staff";
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    private static readonly HybridCacheEntryOptions CacheOptions = new() { Expiration = CacheFor, LocalCacheExpiration = CacheFor };

    public async Task<StaffAssignment?> FindAsync(string principalId, CancellationToken cancellationToken) =>
        (await cache.GetOrCreateAsync(CacheKey(principalId), (tables, principalId), static async (s, ct) =>
        {
            var row = await s.tables.Directory.GetEntityIfExistsAsync<TableEntity>(Partition, s.principalId, cancellationToken: ct);
            return new Lookup(row.HasValue ? ToAssignment(row.Value!) : null);
        }, CacheOptions, cancellationToken: cancellationToken)).Assignment;

    public async Task SaveAsync(StaffAssignment assignment, CancellationToken cancellationToken)
    {
        await tables.Directory.UpsertEntityAsync(new TableEntity(Partition, assignment.PrincipalId)
        {
            ["StoreId"] = assignment.StoreId,
            ["ClerkId"] = assignment.ClerkId,
            ["UpdatedAt"] = assignment.UpdatedAt,
        }, TableUpdateMode.Replace, cancellationToken);
        await cache.RemoveAsync(CacheKey(assignment.PrincipalId), cancellationToken);
    }

    /// <summary>Removes the principal from the store; false when it was not assigned to that store.</summary>
    public async Task<bool> RemoveAsync(string storeId, string principalId, CancellationToken cancellationToken)
    {
        var row = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(Partition, principalId, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("StoreId") != storeId) return false;
        try
        {
            await tables.Directory.DeleteEntityAsync(row.Value, row.Value.ETag, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false; // removed or moved meanwhile
        }
        await cache.RemoveAsync(CacheKey(principalId), cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<StaffAssignment>> ListAsync(string storeId, CancellationToken cancellationToken)
    {
        var list = new List<StaffAssignment>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and StoreId eq {storeId}");
        await foreach (var e in tables.Directory.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(ToAssignment(e));
        }
        return list;
    }

    private static StaffAssignment ToAssignment(TableEntity e) =>
        new(e.RowKey, e.GetString("StoreId") ?? "", e.GetString("ClerkId"), e.GetDateTimeOffset("UpdatedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue);

    private static string CacheKey(string principalId) => "staff:" + principalId;

    [ImmutableObject(true)]
    private sealed record Lookup(StaffAssignment? Assignment);
}
