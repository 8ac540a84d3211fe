using Azure;
using Azure.Data.Tables;
using Funnel.App.Stores;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;

namespace Funnel.App.Storage;

/// <summary>Reads and writes a store's settings, clerks, groups and counters.</summary>
internal sealed class StoreRepository(FunnelTables tables)
{
    private const string DirectoryPartition = "store";

    public async Task<StoreSettings?> GetAsync(string storeId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.ConfigKey, cancellationToken: cancellationToken);
        return row.HasValue ? StoreRows.ToSettings(row.Value!) : null;
    }

    /// <summary>Saves the settings, then the directory entry (a retried PUT repairs a directory entry a crash left out).</summary>
    public async Task SaveAsync(StoreSettings settings, CancellationToken cancellationToken)
    {
        await tables.Stores.UpsertEntityAsync(StoreRows.Config(settings), TableUpdateMode.Replace, cancellationToken);
        await tables.Directory.UpsertEntityAsync(
            new TableEntity(DirectoryPartition, settings.StoreId)
            {
                ["Name"] = settings.Name, ["Region"] = settings.Region, ["Currency"] = settings.Currency, ["TimeZone"] = settings.TimeZone,
            },
            TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Every store in the directory (optionally of one region): id, name, region, and (for stores saved since the directory kept them) currency and time zone.</summary>
    public async Task<IReadOnlyList<StoreListing>> ListAsync(string? region, CancellationToken cancellationToken)
    {
        var filter = region is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {DirectoryPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {DirectoryPartition} and Region eq {region}");
        var list = new List<StoreListing>();
        await foreach (var e in tables.Directory.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(new(e.RowKey, e.GetString("Name") ?? "", e.GetString("Region") ?? "", e.GetString("Currency"), e.GetString("TimeZone")));
        }
        return list;
    }

    public async Task<string?> GetClerkNameAsync(string storeId, string clerkId, CancellationToken cancellationToken)
    {
        var row = await tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.ClerkKey(clerkId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Name") ?? "" : null;
    }

    public Task SaveClerkAsync(string storeId, string clerkId, string name, DateTimeOffset now, CancellationToken cancellationToken) =>
        tables.Stores.UpsertEntityAsync(
            new TableEntity(storeId, StoreRows.ClerkKey(clerkId)) { ["ClerkId"] = clerkId, ["Name"] = name, ["UpdatedAt"] = now },
            TableUpdateMode.Replace, cancellationToken);

    public async Task<IReadOnlyList<Group>> GetGroupsAsync(string storeId, CancellationToken cancellationToken)
    {
        var groups = new List<Group>();
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(StoreRows.PrefixFilter(storeId, StoreRows.GroupPrefix), cancellationToken: cancellationToken))
        {
            groups.Add(StoreRows.ToGroup(e));
        }
        return groups;
    }

    /// <summary>
    /// Every counter row of the store between two local days, inclusive, with the ETags a writer needs:
    /// (1 + active clerks) rows a day, whatever the traffic.
    /// </summary>
    public async Task<IReadOnlyList<(CounterKey Key, FunnelCounts Counts, ETag ETag)>> GetCountersAsync(
        string storeId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {storeId} and RowKey ge {StoreRows.DayPrefix(from)} and RowKey lt {StoreRows.DayPrefix(to.AddDays(1))}");
        var rows = new List<(CounterKey, FunnelCounts, ETag)>();
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var (key, counts) = StoreRows.ToCounter(e);
            rows.Add((key, counts, e.ETag));
        }
        return rows;
    }

    /// <summary>
    /// What the scan lane needs: settings, every group, and the counter rows of the days around
    /// <paramref name="utcDay"/> (one day either side covers every time zone). Three requests at once, each one Azure
    /// Table Storage serves by key (a point read and two row-key ranges): one filter that ORs the ranges is served by
    /// scanning the whole partition, which grows with every member, journey and purchase of the store.
    /// </summary>
    public async Task<ScanStateRows?> LoadScanStateAsync(string storeId, DateOnly utcDay, CancellationToken cancellationToken)
    {
        var config = tables.Stores.GetEntityIfExistsAsync<TableEntity>(storeId, StoreRows.ConfigKey, cancellationToken: cancellationToken);
        var groups = ListAsync(StoreRows.PrefixFilter(storeId, StoreRows.GroupPrefix), e => (StoreRows.ToGroup(e), e.ETag), cancellationToken);
        var counters = GetCountersAsync(storeId, utcDay.AddDays(-1), utcDay.AddDays(1), cancellationToken);
        await Task.WhenAll(config, groups, counters);
        var row = await config;
        return row.HasValue
            ? new ScanStateRows(StoreRows.ToSettings(row.Value!), await groups, await counters, utcDay.AddDays(-1), utcDay.AddDays(1))
            : null;
    }

    private async Task<IReadOnlyList<T>> ListAsync<T>(string filter, Func<TableEntity, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var e in tables.Stores.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken)) list.Add(read(e));
        return list;
    }
}

internal sealed record ScanStateRows(
    StoreSettings Settings,
    IReadOnlyList<(Group Group, ETag ETag)> Groups,
    IReadOnlyList<(CounterKey Key, FunnelCounts Counts, ETag ETag)> Counters,
    DateOnly FirstDay,
    DateOnly LastDay);

/// <summary>A store as the directory lists it. Currency and time zone are null for a store not saved since the directory kept them.</summary>
internal sealed record StoreListing(string StoreId, string Name, string Region, string? Currency, string? TimeZone);
