using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Microsoft.Extensions.Options;

namespace Funnel.App.Campaigns;

/// <summary>
/// HQ's campaigns. Table "campaigns", one partition per campaign: "campaign", "asset|{assetId}", "push",
/// "batch|{pushId}|{n}" (a push batch done) and "store|{storeId}|{assetId}" — one assignment per store and asset,
/// all in the campaign's partition, so a push writes them 100 to a transaction and the execution report is one
/// range read. Table "directory" indexes assets ("asset"/{assetId} → campaign) and campaigns ("campaign"/{id}).
/// Assets are blobs in the private "assets" container, reachable only through short-lived read-only SAS URLs.
/// This file holds campaigns and assets; <c>CampaignService.Pushes.cs</c> the push, its report and the chase;
/// <c>CampaignService.StoreAssets.cs</c> the store's side (its assets, acks, share links).
/// </summary>
internal sealed partial class CampaignService(
    FunnelTables tables,
    FunnelQueues queues,
    FunnelBlobs blobs,
    StoreRepository stores,
    LeadRepository leads,
    JourneyService journeys,
    TimeProvider time,
    IOptions<CampaignOptions> options,
    IOptions<JourneyOptions> journeyOptions)
{
    public const int MaxStoresPerMessage = 100;

    /// <summary>Storage checks a SAS against real time, so SAS times come from the real clock, not the app's (which tests and demos scale).</summary>
    private static readonly TimeProvider SasClock = TimeProvider.System;
    private const string CampaignKey = "campaign";
    private const string PushKey = "push";
    private const string AssetPrefix = "asset|";
    private const string StorePrefix = "store|";

    public async Task<bool> CreateAsync(Campaign c, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Campaigns.AddEntityAsync(new TableEntity(c.CampaignId, CampaignKey)
            {
                ["Name"] = c.Name, ["StartsAt"] = c.StartsAt, ["EndsAt"] = c.EndsAt, ["Region"] = c.Region, ["CreatedAt"] = time.GetUtcNow(),
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status409Conflict)
        {
            return false;
        }
        await tables.Directory.UpsertEntityAsync(new TableEntity(CampaignKey, c.CampaignId) { ["EndsAt"] = c.EndsAt }, TableUpdateMode.Replace, cancellationToken);
        return true;
    }

    public async Task<Campaign?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, CampaignKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        return new Campaign(campaignId, e.GetString("Name") ?? "", e.GetDateTimeOffset("StartsAt") ?? default, e.GetDateTimeOffset("EndsAt") ?? default, e.GetString("Region"));
    }

    /// <summary>Every campaign, newest start first: the directory lists their ids; each is one point read.</summary>
    public async Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in tables.Directory.QueryAsync<TableEntity>(c => c.PartitionKey == CampaignKey, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(e.RowKey);
        }
        var found = await Task.WhenAll(ids.Select(id => GetAsync(id, cancellationToken)));
        return [.. found.OfType<Campaign>().OrderByDescending(c => c.StartsAt).ThenBy(c => c.CampaignId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Streams <paramref name="body"/> into a new blob while hashing it, then registers the asset. Identical content
    /// in the same campaign is the same asset id: the new blob is deleted and the existing asset returned. Nothing is
    /// registered unless the whole upload landed; a failed upload deletes its blob.
    /// </summary>
    public async Task<AssetUpload> UploadAsync(string campaignId, string name, string contentType, Stream body, CancellationToken cancellationToken)
    {
        var blob = blobs.Assets.GetBlobClient($"{campaignId}/{Guid.NewGuid():N}");
        string sha;
        long size;
        var hashing = new HashingStream(body, options.Value.MaxAssetBytes);
        await using (hashing)
        {
            try
            {
                await blob.UploadAsync(hashing, new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    // 4 MB blocks, one at a time: memory stays flat whatever the asset's size.
                    TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 4 << 20, MaximumTransferSize = 4 << 20, MaximumConcurrency = 1 },
                }, cancellationToken);
            }
            catch
            {
                await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
                throw;
            }
            sha = hashing.Sha256Hex();
            size = hashing.BytesRead;
        }
        var asset = new Asset(AssetIdOf(campaignId, sha), campaignId, name, contentType, size, sha, blob.Name);
        try
        {
            // The index first (the id is deterministic): an asset row never exists without it.
            await tables.Directory.UpsertEntityAsync(new TableEntity(AssetPrefix.TrimEnd('|'), asset.AssetId) { ["CampaignId"] = campaignId }, TableUpdateMode.Replace, cancellationToken);
            await tables.Campaigns.AddEntityAsync(new TableEntity(campaignId, AssetPrefix + asset.AssetId)
            {
                ["Name"] = name, ["ContentType"] = contentType, ["Size"] = asset.Size, ["Sha256"] = sha, ["Blob"] = blob.Name, ["UploadedAt"] = time.GetUtcNow(),
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status409Conflict)
        {
            // The same content is registered. (If it is this very upload — the SDK retried an insert that had
            // landed — its blob is the registered one and stays.)
            var existing = (await GetAssetAsync(campaignId, asset.AssetId, cancellationToken))!;
            if (existing.Blob != blob.Name) await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            return new AssetUpload(existing, Duplicate: existing.Blob != blob.Name);
        }
        catch
        {
            var registered = await GetAssetAsync(campaignId, asset.AssetId, CancellationToken.None);
            if (registered?.Blob != blob.Name) await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
        return new AssetUpload(asset, Duplicate: false);
    }

    /// <summary>Same content in the same campaign, same id: 20 hex characters of SHA-256(campaign | content hash).</summary>
    public static string AssetIdOf(string campaignId, string sha256) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{campaignId}|{sha256}")))[..20];

    public async Task<Asset?> GetAssetAsync(string campaignId, string assetId, CancellationToken cancellationToken)
    {
        var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, AssetPrefix + assetId, cancellationToken: cancellationToken);
        return row.HasValue ? ToAsset(row.Value!) : null;
    }

    public async Task<string?> CampaignOfAssetAsync(string assetId, CancellationToken cancellationToken)
    {
        var row = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(AssetPrefix.TrimEnd('|'), assetId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("CampaignId") : null;
    }

    private async Task<List<Asset>> AssetsAsync(string campaignId, CancellationToken cancellationToken)
    {
        var list = new List<Asset>();
        await foreach (var e in tables.Campaigns.QueryAsync<TableEntity>(StoreRows.PrefixFilter(campaignId, AssetPrefix), cancellationToken: cancellationToken)) list.Add(ToAsset(e));
        return list;
    }

    private static Asset ToAsset(TableEntity e) => new(e.RowKey[AssetPrefix.Length..], e.PartitionKey, e.GetString("Name") ?? "", e.GetString("ContentType") ?? "",
        e.GetInt64("Size") ?? 0, e.GetString("Sha256") ?? "", e.GetString("Blob") ?? "");
}
