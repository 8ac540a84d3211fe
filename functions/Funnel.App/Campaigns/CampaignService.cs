using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core.Campaigns;
using Microsoft.Extensions.Options;

namespace Funnel.App.Campaigns;

internal sealed record Campaign(string CampaignId, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string? Region);

internal sealed record Asset(string AssetId, string CampaignId, string Name, string ContentType, long Size, string Sha256, string Blob);

internal sealed record AssetUpload(Asset Asset, bool Duplicate);

internal sealed record PushStatus(string PushId, DateTimeOffset PushedAt, int Targeted, int Batches, int BatchesDone, IReadOnlyList<string> UnknownStoreIds)
{
    public bool Complete => BatchesDone >= Batches;
}

internal sealed record StoreAsset(Asset Asset, AssignmentStatus Status, Uri DownloadUrl, DateTimeOffset ExpiresAt);

/// <summary>A push batch on the campaign-push queue: at most 100 stores, every asset of the campaign (or, kind "check", the execution check).</summary>
internal sealed record PushBatch(string Kind, string CampaignId, string PushId, int Batch, IReadOnlyList<PushTarget> Stores, IReadOnlyList<string> AssetIds)
{
    public static bool TryRead(string text, out PushBatch? batch, out string error)
    {
        try
        {
            batch = JsonSerializer.Deserialize<PushBatch>(text, JourneyRows.Json);
        }
        catch (JsonException)
        {
            batch = null;
        }
        var valid = batch is { Kind: "assign" or "check", Stores: not null, AssetIds: not null } && !string.IsNullOrEmpty(batch.CampaignId);
        error = valid ? "" : "not a push batch.";
        return valid;
    }
}

internal sealed record PushTarget(string StoreId, string Region);

/// <summary>
/// HQ's campaigns. Table "campaigns", one partition per campaign: "campaign", "asset|{assetId}", "push",
/// "batch|{pushId}|{n}" (a push batch done) and "store|{storeId}|{assetId}" — one assignment per store and asset,
/// all in the campaign's partition, so a push writes them 100 to a transaction and the execution report is one
/// range read. Table "directory" indexes assets ("asset"/{assetId} → campaign) and campaigns ("campaign"/{id}).
/// Assets are blobs in the private "assets" container, reachable only through short-lived read-only SAS URLs.
/// </summary>
internal sealed class CampaignService(
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

    /// <summary>
    /// Records the push and enqueues its batches (at most 100 stores each) and, delayed until the chase time, the
    /// execution check. Unknown store ids are reported, not fatal. Assignments are upserts that never reset an
    /// ack, so pushing again is harmless.
    /// </summary>
    public async Task<PushStatus?> PushAsync(Campaign campaign, IReadOnlyList<string>? storeIds, string? region, CancellationToken cancellationToken)
    {
        var campaignId = campaign.CampaignId;
        var assets = await AssetsAsync(campaignId, cancellationToken);
        if (assets.Count == 0) return null;
        // "All stores" of a campaign with a target region means all stores of that region.
        if (storeIds is null && region is null) region = campaign.Region;
        var directory = await stores.ListAsync(region, cancellationToken);
        var known = directory.ToDictionary(s => s.StoreId, s => s.Region, StringComparer.Ordinal);
        var targets = storeIds is null
            ? directory.Select(s => new PushTarget(s.StoreId, s.Region)).ToList()
            : storeIds.Distinct(StringComparer.Ordinal).Where(known.ContainsKey).Select(s => new PushTarget(s, known[s])).ToList();
        var unknown = storeIds?.Distinct(StringComparer.Ordinal).Where(s => !known.ContainsKey(s)).ToList() ?? [];
        var pushId = Guid.NewGuid().ToString("N")[..12];
        var batches = targets.Chunk(MaxStoresPerMessage).ToList();
        var now = time.GetUtcNow();
        await tables.Campaigns.UpsertEntityAsync(new TableEntity(campaignId, PushKey)
        {
            ["PushId"] = pushId, ["PushedAt"] = now, ["Targeted"] = targets.Count, ["Batches"] = batches.Count,
            ["UnknownStoreIds"] = string.Join(',', unknown.Take(500)),
        }, TableUpdateMode.Replace, cancellationToken);
        var assetIds = assets.Select(a => a.AssetId).ToList();
        await Parallel.ForEachAsync(batches.Select((b, i) => (b, i)), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (x, ct) =>
            await queues.CampaignPush.SendMessageAsync(JsonSerializer.Serialize(new PushBatch("assign", campaignId, pushId, x.i, x.b, assetIds), JourneyRows.Json), ct));
        await SendCheckAsync(campaignId, pushId, TimeSpan.FromHours(options.Value.ChaseAfterHours), cancellationToken);
        return new PushStatus(pushId, now, targets.Count, batches.Count, 0, unknown);
    }

    /// <summary>The execution check, delayed by <paramref name="wait"/> of app time (at most 6 days a hop; it hops on until due).</summary>
    private async Task SendCheckAsync(string campaignId, string pushId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromTicks((long)(Math.Max(0, wait.Ticks) / journeyOptions.Value.TimeScale));
        await queues.CampaignPush.SendMessageAsync(JsonSerializer.Serialize(new PushBatch("check", campaignId, pushId, -1, [], []), JourneyRows.Json),
            visibilityTimeout: delay > TimeSpan.FromDays(6) ? TimeSpan.FromDays(6) : delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
    }

    /// <summary>A push batch: one assignment per store and asset, upserted 100 to a transaction, then the batch's done mark.</summary>
    public async Task ProcessAsync(PushBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Kind == "check")
        {
            var push = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(batch.CampaignId, PushKey, cancellationToken: cancellationToken);
            if (!push.HasValue || push.Value!.GetString("PushId") != batch.PushId) return; // a later push has its own check
            var due = (push.Value.GetDateTimeOffset("PushedAt") ?? default) + TimeSpan.FromHours(options.Value.ChaseAfterHours);
            if (due > time.GetUtcNow())
            {
                await SendCheckAsync(batch.CampaignId, batch.PushId, due - time.GetUtcNow(), cancellationToken);
                return;
            }
            await ChaseAsync(batch.CampaignId, cancellationToken);
            return;
        }
        var now = time.GetUtcNow();
        var rows = batch.Stores.SelectMany(s => batch.AssetIds.Select(a => new TableEntity(batch.CampaignId, $"{StorePrefix}{s.StoreId}|{a}")
        {
            ["StoreId"] = s.StoreId, ["AssetId"] = a, ["Region"] = s.Region, ["PushId"] = batch.PushId,
        }));
        foreach (var chunk in rows.Chunk(100))
        {
            // Merge: the status an ack wrote stays.
            await tables.Campaigns.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r)), cancellationToken);
        }
        await tables.Campaigns.UpsertEntityAsync(new TableEntity(batch.CampaignId, $"batch|{batch.PushId}|{batch.Batch:D5}") { ["DoneAt"] = now }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<PushStatus?> GetPushAsync(string campaignId, CancellationToken cancellationToken)
    {
        var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, PushKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        var pushId = e.GetString("PushId") ?? "";
        var done = 0;
        await foreach (var _ in tables.Campaigns.QueryAsync<TableEntity>(StoreRows.PrefixFilter(campaignId, $"batch|{pushId}|"), select: ["RowKey"], cancellationToken: cancellationToken)) done++;
        var unknown = e.GetString("UnknownStoreIds") is { Length: > 0 } u ? u.Split(',') : [];
        return new PushStatus(pushId, e.GetDateTimeOffset("PushedAt") ?? default, e.GetInt32("Targeted") ?? 0, e.GetInt32("Batches") ?? 0, done, unknown);
    }

    private async Task<List<(Assignment Assignment, TableEntity Row)>> AssignmentsAsync(string campaignId, string prefix, CancellationToken cancellationToken)
    {
        var list = new List<(Assignment, TableEntity)>();
        await foreach (var e in tables.Campaigns.QueryAsync<TableEntity>(StoreRows.PrefixFilter(campaignId, prefix), cancellationToken: cancellationToken))
        {
            var status = StatusOf(e);
            list.Add((new Assignment(e.GetString("StoreId") ?? "", e.GetString("Region") ?? "", e.GetString("AssetId") ?? "", status), e));
        }
        return list;
    }

    public async Task<ExecutionReport> ExecutionAsync(string campaignId, int? chaseAfterHours, CancellationToken cancellationToken)
    {
        var push = tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(campaignId, PushKey, select: ["PushedAt"], cancellationToken: cancellationToken);
        var assignments = await AssignmentsAsync(campaignId, StorePrefix, cancellationToken);
        var pushed = await push;
        return ExecutionReport.Create(assignments.Select(a => a.Assignment), pushed.HasValue ? pushed.Value!.GetDateTimeOffset("PushedAt") : null,
            TimeSpan.FromHours(chaseAfterHours ?? options.Value.ChaseAfterHours), time.GetUtcNow());
    }

    /// <summary>The store has posted every asset of the campaign: its follow-up task, if any, is done.</summary>
    private async Task CloseFollowUpIfExecutedAsync(string storeId, string campaignId, CancellationToken cancellationToken)
    {
        var mine = await AssignmentsAsync(campaignId, $"{StorePrefix}{storeId}|", cancellationToken);
        if (mine.Any(a => a.Assignment.Status != AssignmentStatus.Posted)) return;
        try
        {
            await tables.Stores.DeleteEntityAsync(storeId, JourneyRows.CampaignTaskKey(campaignId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            // there was none
        }
    }

    /// <summary>The execution check after a push: every store not executed gets a follow-up task on its own list (once).</summary>
    private async Task ChaseAsync(string campaignId, CancellationToken cancellationToken)
    {
        var report = await ExecutionAsync(campaignId, null, cancellationToken);
        var now = time.GetUtcNow();
        var task = new Core.Journeys.ClerkTask($"campaign-{campaignId}", "campaign-not-executed", now, campaignId, ForStore: true);
        foreach (var storeId in report.NotExecuted)
        {
            await tables.Stores.UpsertEntityAsync(JourneyRows.TaskRow(storeId, JourneyRows.CampaignTaskKey(campaignId), null, null, task), TableUpdateMode.Replace, cancellationToken);
        }
    }

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
