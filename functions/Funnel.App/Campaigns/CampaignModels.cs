using System.Text.Json;
using Funnel.App.Storage;
using Funnel.Core.Campaigns;

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
