using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Campaigns;
using Funnel.App.Extensions;
using Funnel.Core;
using Funnel.Core.Campaigns;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Funnel.App.Apis;

/// <summary>HQ's campaigns: create, upload assets, push to stores, see who executed. Stores list, download, ack, share.</summary>
internal static class CampaignsApi
{
    public const string SharePath = "/a";

    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app, long maxAssetBytes)
    {
        var hq = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(p => p.RequireRole(Roles.Hq));
        hq.MapPost("", PostCampaign).WithName("PostCampaign").ProducesProblem(StatusCodes.Status409Conflict);
        hq.MapGet("", GetCampaigns).WithName("GetCampaigns");
        hq.MapPost("/{campaignId}/assets", PostAsset).WithName("PostAsset").WithRequestSizeLimit(maxAssetBytes).DisableAntiforgery()
            .AcceptsRawBody($"The asset's bytes: {AssetTypes.Described}. Its type is the Content-Type header, or ?contentType= (then any Content-Type, e.g. application/octet-stream).",
                [.. AssetTypes.MediaRanges, "application/octet-stream"])
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        hq.MapPost("/{campaignId}/push", PostPush).WithName("PostPush").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        hq.MapGet("/{campaignId}/push", GetPush).WithName("GetPush").ProducesProblem(StatusCodes.Status404NotFound);
        hq.MapGet("/{campaignId}/execution", GetExecution).WithName("GetExecution").ProducesProblem(StatusCodes.Status404NotFound);

        var store = app.MapGroup("/api/stores/{storeId}/assets").WithTags("Campaigns");
        store.MapGet("", GetStoreAssets).WithName("GetStoreAssets").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk);
        store.MapPost("/{assetId}/ack", PostAck).WithName("PostAck").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        store.MapGet("/{assetId}/share", GetShareLink).WithName("GetShareLink").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet(SharePath + "/{token}", OpenShareLink).WithName("OpenShareLink").WithTags("Campaigns")
            .AllowAnonymous().RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        return app;
    }

    internal static async Task<Results<Created<CampaignResponse>, ValidationProblem, ProblemHttpResult>> PostCampaign(
        CampaignRequest body, CampaignService campaigns, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("campaignId", body.CampaignId);
        var name = v.RequireText("name", body.Name, 200);
        v.Id("region", body.Region, required: false);
        if (body.StartsAt is null) v.Add("startsAt", "'startsAt' is required (ISO 8601).");
        if (body.EndsAt is null) v.Add("endsAt", "'endsAt' is required (ISO 8601).");
        if (body.StartsAt >= body.EndsAt) v.Add("endsAt", "'endsAt' must be after 'startsAt'.");
        if (!v.IsValid) return v.Problem();
        var campaign = new Campaign(body.CampaignId!, name!, body.StartsAt!.Value, body.EndsAt!.Value, body.Region);
        if (!await campaigns.CreateAsync(campaign, cancellationToken))
        {
            return Problems.Create(StatusCodes.Status409Conflict, "exists", "The campaign exists", $"Campaign '{campaign.CampaignId}' exists already; pick another id.");
        }
        return TypedResults.Created($"/api/campaigns/{campaign.CampaignId}", CampaignResponse.From(campaign));
    }

    /// <summary>
    /// The raw body is the asset (streamed to storage, never held in memory): <c>?name=</c>, and its type from
    /// <c>?contentType=</c> or the Content-Type header. 201 with its id, size and SHA-256; 200 with
    /// <c>duplicate: true</c> when the campaign has this exact content already.
    /// </summary>
    internal static async Task<Results<Created<AssetResponse>, Ok<AssetResponse>, ProblemHttpResult>> PostAsset(
        string campaignId, string? name, string? contentType, HttpRequest request, CampaignService campaigns, IOptions<CampaignOptions> options,
        CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(campaignId) || await campaigns.GetAsync(campaignId, cancellationToken) is null)
        {
            return Problems.NotFound($"Campaign '{campaignId}' does not exist; create it with POST /api/campaigns.");
        }
        var type = contentType ?? request.ContentType;
        if (!AssetTypes.IsAllowed(type))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-type", "This type of file is not accepted",
                $"'{type ?? "(none)"}' is not an accepted asset type. Send {AssetTypes.Described}, and say which in the Content-Type header or ?contentType=.");
        }
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) return Problems.BadRequest("'name' (the asset's file name, at most 200 characters) is required as ?name=.");
        var limit = options.Value.MaxAssetBytes;
        if (request.ContentLength > limit) return TooLarge(limit);
        try
        {
            var upload = await campaigns.UploadAsync(campaignId, name.Trim(), type!.Split(';')[0].Trim(), request.Body, cancellationToken);
            var response = AssetResponse.From(upload.Asset, upload.Duplicate);
            return upload.Duplicate ? TypedResults.Ok(response) : TypedResults.Created($"/api/campaigns/{campaignId}/assets/{upload.Asset.AssetId}", response);
        }
        catch (AssetTooLargeException)
        {
            return TooLarge(limit);
        }
    }

    private static ProblemHttpResult TooLarge(long limit) => Problems.Create(StatusCodes.Status413PayloadTooLarge, "too-large", "The asset is too large",
        $"Assets are at most {limit / (1024 * 1024)} MB (Campaigns:MaxAssetMb). Nothing was stored.");

    internal static async Task<Results<Accepted<PushResponse>, ValidationProblem, ProblemHttpResult>> PostPush(
        string campaignId, PushRequest body, CampaignService campaigns, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var ways = (body.StoreIds is not null ? 1 : 0) + (body.Region is not null ? 1 : 0) + (body.All == true ? 1 : 0);
        if (ways != 1) v.Add("storeIds", "Say whom to push to with exactly one of: 'storeIds' (a list), 'region', or 'all': true.");
        if (body.StoreIds is { Count: 0 or > 10_000 }) v.Add("storeIds", "'storeIds' lists 1 to 10,000 store ids.");
        foreach (var id in body.StoreIds ?? []) if (!Ids.IsValid(id)) v.Add("storeIds", $"'{id}' is not a store id. {Ids.Describe("storeIds[]")}");
        v.Id("region", body.Region, required: false);
        if (!v.IsValid) return v.Problem();
        if (await campaigns.GetAsync(campaignId, cancellationToken) is not { } campaign) return Problems.NotFound($"Campaign '{campaignId}' does not exist.");
        var push = await campaigns.PushAsync(campaign, body.StoreIds, body.Region, cancellationToken);
        if (push is null) return Problems.Create(StatusCodes.Status409Conflict, "no-assets", "Nothing to push", $"Campaign '{campaignId}' has no assets yet; upload one first.");
        return TypedResults.Accepted($"/api/campaigns/{campaignId}/push", PushResponse.From(push));
    }

    internal static async Task<Ok<List<CampaignResponse>>> GetCampaigns(CampaignService campaigns, CancellationToken cancellationToken) =>
        TypedResults.Ok((await campaigns.ListAsync(cancellationToken)).Select(CampaignResponse.From).ToList());

    internal static async Task<Results<Ok<PushResponse>, ProblemHttpResult>> GetPush(string campaignId, CampaignService campaigns, CancellationToken cancellationToken) =>
        await campaigns.GetPushAsync(campaignId, cancellationToken) is { } push
            ? TypedResults.Ok(PushResponse.From(push))
            : Problems.NotFound($"Campaign '{campaignId}' does not exist or was never pushed.");

    internal static async Task<Results<Ok<ExecutionReport>, ProblemHttpResult>> GetExecution(
        string campaignId, int? afterHours, CampaignService campaigns, CancellationToken cancellationToken)
    {
        if (afterHours is < 0 or > 24 * 365) return Problems.BadRequest("'afterHours' is between 0 and 8760.");
        if (await campaigns.GetAsync(campaignId, cancellationToken) is null) return Problems.NotFound($"Campaign '{campaignId}' does not exist.");
        return TypedResults.Ok(await campaigns.ExecutionAsync(campaignId, afterHours, cancellationToken));
    }

    internal static async Task<Ok<List<StoreAssetResponse>>> GetStoreAssets(string storeId, CampaignService campaigns, CancellationToken cancellationToken) =>
        TypedResults.Ok((await campaigns.StoreAssetsAsync(storeId, cancellationToken))
            .Select(a => new StoreAssetResponse(a.Asset.AssetId, a.Asset.CampaignId, a.Asset.Name, a.Asset.ContentType, a.Asset.Size, a.DownloadUrl.ToString(), a.ExpiresAt, a.Status.Name()))
            .ToList());

    internal static async Task<Results<Ok<AckResponse>, ValidationProblem, ProblemHttpResult>> PostAck(
        string storeId, string assetId, AckRequest body, ClaimsPrincipal user, CampaignService campaigns, CancellationToken cancellationToken)
    {
        var v = new Validation();
        if (!AssignmentStatuses.TryParse(body.Action, out var action) || action == AssignmentStatus.Assigned) v.Add("action", "'action' is 'downloaded' or 'posted'.");
        v.Id("clerkId", body.ClerkId, required: false);
        if (!v.IsValid) return v.Problem();
        var clerk = user.IsInRole(Roles.Clerk) ? user.FindFirstValue(Roles.ClerkIdClaim) : body.ClerkId;
        var campaignId = await campaigns.CampaignOfAssetAsync(assetId, cancellationToken);
        var status = campaignId is null ? null : await campaigns.AckAsync(storeId, campaignId, assetId, action, clerk, cancellationToken);
        if (status is null) return Problems.NotFound($"Asset '{assetId}' was not pushed to store '{storeId}'.");
        return TypedResults.Ok(new AckResponse(assetId, storeId, status.Value.Name()));
    }

    /// <summary>A tracked link for a clerk to send: opening it records content-opened for the lead (if given) and redirects to the asset.</summary>
    internal static async Task<Results<Ok<ShareResponse>, ProblemHttpResult>> GetShareLink(
        string storeId, string assetId, string? leadId, string? clerkId, ClaimsPrincipal user, HttpRequest request, CampaignService campaigns,
        ShareLinks links, TimeProvider time, IOptions<CampaignOptions> options, IOptions<FunnelOptions> funnel, CancellationToken cancellationToken)
    {
        if (leadId is not null && !LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadRequest("'leadId' is 32 lowercase hex characters.");
        if (clerkId is not null && !Ids.IsValid(clerkId)) return Problems.BadRequest(Ids.Describe("clerkId"));
        var campaignId = await campaigns.CampaignOfAssetAsync(assetId, cancellationToken);
        var assigned = campaignId is not null && await campaigns.IsListedAtAsync(storeId, campaignId, assetId, cancellationToken);
        if (!assigned) return Problems.NotFound($"Asset '{assetId}' was not pushed to store '{storeId}'.");
        var clerk = user.IsInRole(Roles.Clerk) ? user.FindFirstValue(Roles.ClerkIdClaim) : clerkId;
        var expires = time.GetUtcNow().AddHours(options.Value.ShareLinkHours);
        var token = links.Sign(new ShareLink(campaignId!, assetId, storeId, clerk, leadId, expires));
        return TypedResults.Ok(new ShareResponse($"{PublicUrls.Base(request, funnel)}{SharePath}/{token}", expires));
    }

    /// <summary>The public end of a share link: 302 to a fresh download URL; 4xx with a reason when the link is bad or expired.</summary>
    internal static async Task<Results<RedirectHttpResult, ProblemHttpResult>> OpenShareLink(
        string token, ShareLinks links, CampaignService campaigns, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!links.TryVerify(token, time.GetUtcNow(), out var link, out var error))
        {
            return error.Contains("expired", StringComparison.Ordinal)
                ? Problems.Create(StatusCodes.Status410Gone, "expired", "This link has expired", error)
                : Problems.BadRequest(error);
        }
        // Only the lead the link was signed for is credited: an unsigned ?lead= could tag anyone.
        await campaigns.OpenedAsync(link!, token, cancellationToken);
        var url = await campaigns.DownloadUrlAsync(link!.CampaignId, link.AssetId, cancellationToken);
        return url is null ? Problems.NotFound("This asset is no longer available.") : TypedResults.Redirect(url.ToString());
    }

    internal sealed record CampaignRequest(string? CampaignId, string? Name, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Region);

    internal sealed record CampaignResponse(string CampaignId, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string? Region)
    {
        public static CampaignResponse From(Campaign c) => new(c.CampaignId, c.Name, c.StartsAt, c.EndsAt, c.Region);
    }

    internal sealed record AssetResponse(string AssetId, string CampaignId, string Name, string ContentType, long Size, string Sha256, bool Duplicate)
    {
        public static AssetResponse From(Asset a, bool duplicate) => new(a.AssetId, a.CampaignId, a.Name, a.ContentType, a.Size, a.Sha256, duplicate);
    }

    internal sealed record PushRequest(List<string>? StoreIds, string? Region, bool? All);

    internal sealed record PushResponse(string PushId, DateTimeOffset PushedAt, int Targeted, int Batches, int BatchesDone, bool Complete, IReadOnlyList<string> UnknownStoreIds)
    {
        public static PushResponse From(PushStatus p) => new(p.PushId, p.PushedAt, p.Targeted, p.Batches, p.BatchesDone, p.Complete, p.UnknownStoreIds);
    }

    internal sealed record StoreAssetResponse(string AssetId, string CampaignId, string Name, string ContentType, long Size, string DownloadUrl, DateTimeOffset ExpiresAt, string Status);

    internal sealed record AckRequest(string? ClerkId, string? Action);

    internal sealed record AckResponse(string AssetId, string StoreId, string Status);

    internal sealed record ShareResponse(string Url, DateTimeOffset ExpiresAt);
}
