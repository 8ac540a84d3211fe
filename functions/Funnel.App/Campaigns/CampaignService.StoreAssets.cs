using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Funnel.App.Journeys;
using Funnel.Core.Campaigns;

namespace Funnel.App.Campaigns;

/// <summary>A store's side of a campaign: its assets with short-lived download URLs, acks, share-link opens.</summary>
internal sealed partial class CampaignService
{
    /// <summary>True when the asset was pushed to the store and its campaign still runs (what the store's asset list shows).</summary>
    public async Task<bool> IsListedAtAsync(string storeId, string campaignId, string assetId, CancellationToken cancellationToken)
    {
        var assigned = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, $"{StorePrefix}{storeId}|{assetId}", select: ["RowKey"], cancellationToken: cancellationToken);
        return assigned.HasValue && await GetAsync(campaignId, cancellationToken) is { } campaign && campaign.EndsAt >= time.GetUtcNow();
    }

    /// <summary>The store's assets of every campaign still running, each with a fresh read-only SAS URL.</summary>
    public async Task<IReadOnlyList<StoreAsset>> StoreAssetsAsync(string storeId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = SasClock.GetUtcNow().AddSeconds(options.Value.DownloadUrlSeconds);
        var active = new List<string>();
        await foreach (var e in tables.Directory.QueryAsync<TableEntity>(c => c.PartitionKey == CampaignKey, cancellationToken: cancellationToken))
        {
            if (e.GetDateTimeOffset("EndsAt") is not { } end || end >= now) active.Add(e.RowKey);
        }
        var signer = await SignerAsync(expires, cancellationToken);
        var result = new List<StoreAsset>();
        foreach (var campaignId in active)
        {
            var assigned = await AssignmentsAsync(campaignId, $"{StorePrefix}{storeId}|", cancellationToken);
            if (assigned.Count == 0) continue;
            var assets = (await AssetsAsync(campaignId, cancellationToken)).ToDictionary(a => a.AssetId, StringComparer.Ordinal);
            foreach (var (a, _) in assigned)
            {
                if (assets.TryGetValue(a.AssetId, out var asset)) result.Add(new StoreAsset(asset, a.Status, signer(asset), expires));
            }
        }
        return result;
    }

    /// <summary>Read-only, short-lived: an account SAS with the account key (Azurite), a user-delegation SAS with a token credential (Azure).</summary>
    private async Task<Func<Asset, Uri>> SignerAsync(DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var starts = SasClock.GetUtcNow().AddMinutes(-5);
        BlobSasBuilder Builder(Asset a) => new(BlobSasPermissions.Read, expires)
        {
            BlobContainerName = blobs.Assets.Name, BlobName = a.Blob, Resource = "b", StartsOn = starts,
            ContentDisposition = $"attachment; filename=\"{a.Name.Replace("\"", "", StringComparison.Ordinal)}\"",
        };
        if (blobs.UsesSharedKey) return a => blobs.Assets.GetBlobClient(a.Blob).GenerateSasUri(Builder(a));
        var key = (await blobs.Service.GetUserDelegationKeyAsync(starts, expires, cancellationToken)).Value;
        return a => new BlobUriBuilder(blobs.Assets.GetBlobClient(a.Blob).Uri) { Sas = Builder(a).ToSasQueryParameters(key, blobs.Service.AccountName) }.ToUri();
    }

    /// <summary>Moves the store's assignment forward (downloaded, then posted); a repeat or a step back changes nothing.</summary>
    public async Task<AssignmentStatus?> AckAsync(string storeId, string campaignId, string assetId, AssignmentStatus action, string? clerkId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, $"{StorePrefix}{storeId}|{assetId}", cancellationToken: cancellationToken);
            if (!row.HasValue) return null;
            var e = row.Value!;
            var current = StatusOf(e);
            if (current >= action) return current;
            e["Status"] = action.Name();
            e[action == AssignmentStatus.Posted ? "PostedAt" : "DownloadedAt"] = time.GetUtcNow();
            if (clerkId is not null) e[action == AssignmentStatus.Posted ? "PostedBy" : "DownloadedBy"] = clerkId;
            try
            {
                await tables.Campaigns.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace, cancellationToken);
                if (action == AssignmentStatus.Posted) await CloseFollowUpIfExecutedAsync(storeId, campaignId, cancellationToken);
                return action;
            }
            catch (RequestFailedException x) when (x.Status == StatusCodes.Status412PreconditionFailed)
            {
                // another ack at the same moment: read again
            }
        }
        throw new InvalidOperationException($"Could not record the ack of {assetId} at {storeId}.");
    }

    /// <summary>
    /// A shopper opened a share link: the lead (if a member of the sharing store) is tagged "campaign:{id}" there and
    /// its journey hears of it (content opened).
    /// </summary>
    public async Task OpenedAsync(ShareLink link, string token, CancellationToken cancellationToken)
    {
        if (link.LeadId is not { } leadId || !await leads.TagAsync(link.StoreId, leadId, $"campaign:{link.CampaignId}", cancellationToken)) return;
        // One link opened many times is one engagement (the event id is the link's).
        var eventId = "share:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..24];
        await journeys.RaiseAsync(link.StoreId, leadId, new Core.Journeys.ContentOpened(time.GetUtcNow(), eventId), cancellationToken);
    }

    public async Task<Uri?> DownloadUrlAsync(string campaignId, string assetId, CancellationToken cancellationToken)
    {
        var asset = await GetAssetAsync(campaignId, assetId, cancellationToken);
        if (asset is null) return null;
        var signer = await SignerAsync(SasClock.GetUtcNow().AddSeconds(options.Value.DownloadUrlSeconds), cancellationToken);
        return signer(asset);
    }

    /// <summary>No status yet: assigned (the push writes none, so a repeated push never resets an ack).</summary>
    private static AssignmentStatus StatusOf(TableEntity e) =>
        AssignmentStatuses.TryParse(e.GetString("Status"), out var status) ? status : AssignmentStatus.Assigned;
}
