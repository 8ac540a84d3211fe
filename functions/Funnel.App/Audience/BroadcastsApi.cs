using System.Security.Claims;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Journeys;
using Funnel.Core.Audience;
using Funnel.Core.Journeys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Funnel.App.Audience;

/// <summary>Broadcasts to a segment (HQ, or a store to its own segments) and their reports; the public end of their tracked links.</summary>
internal static class BroadcastsApi
{
    public const string LinkPath = "/b";
    public const int MaxTextLength = 500;

    public static IEndpointRouteBuilder MapBroadcastsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/broadcasts").WithTags("Audience").RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store));
        api.MapPost("", PostBroadcast).WithName("PostBroadcast").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{broadcastId}", GetBroadcast).WithName("GetBroadcast").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet(LinkPath + "/{token}", OpenLink).WithName("OpenBroadcastLink").WithTags("Audience").AllowAnonymous()
            .RequireRateLimiting(Extensions.HostingExtensions.PublicRateLimit).Produces(StatusCodes.Status302Found).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// Creates the broadcast and starts its instance on the engine (idempotent by <c>broadcastId</c>): sent from
    /// <c>sendAt</c> (default now), through each lead's channel, by the rules every send obeys. 202: follow its report.
    /// </summary>
    internal static async Task<Results<Accepted<BroadcastReport>, ProblemHttpResult, ValidationProblem>> PostBroadcast(
        BroadcastRequest body, ClaimsPrincipal user, BroadcastStore broadcasts, SegmentStore segments, Campaigns.CampaignService campaigns, JourneyEngine engine,
        JourneyClock clock, IOptions<JourneyOptions> journeyOptions, IOptions<BroadcastOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("broadcastId", body.BroadcastId, required: false);
        v.Id("segmentId", body.SegmentId);
        if (body.Text is { Length: > MaxTextLength }) v.Add("text", $"text is at most {MaxTextLength} characters.");
        if (string.IsNullOrWhiteSpace(body.Text) && body.AssetId is null) v.Add("text", "Give the message's text, or a campaign asset (campaignId and assetId), or both.");
        if ((body.CampaignId is null) != (body.AssetId is null)) v.Add("assetId", "A campaign asset is named by both campaignId and assetId.");
        v.Range("windowDays", body.WindowDays, 1, 90);
        var now = time.GetUtcNow();
        if (body.SendAt is { } at && at > now.AddDays(90)) v.Add("sendAt", "sendAt is at most 90 days ahead.");
        if (!v.IsValid) return v.Problem();
        var segment = await segments.GetAsync(body.SegmentId!, cancellationToken);
        var own = user.FindFirstValue(Roles.StoreIdClaim);
        if (segment is null || (!user.IsInRole(Roles.Hq) && segment.OwnerStoreId != own)) return Problems.NotFound($"No segment '{body.SegmentId}' is yours.");
        if (body.AssetId is not null && await campaigns.GetAssetAsync(body.CampaignId!, body.AssetId, cancellationToken) is null)
        {
            return Problems.NotFound($"Campaign '{body.CampaignId}' has no asset '{body.AssetId}'.");
        }
        var broadcast = new Broadcast(body.BroadcastId ?? Guid.NewGuid().ToString("N")[..12], segment.SegmentId,
            new BroadcastContent(body.Text, body.CampaignId, body.AssetId), body.SendAt is { } s && s > now ? s : now, body.WindowDays ?? 7, now, AudienceApi.Actor(user),
            user.IsInRole(Roles.Hq) ? null : own);
        var (stored, created) = await broadcasts.AddAsync(broadcast, cancellationToken);
        if (!created && (stored.SegmentId != broadcast.SegmentId || stored.Content != broadcast.Content))
        {
            return Problems.Create(StatusCodes.Status409Conflict, "broadcast-exists", "Another broadcast has this id", $"Broadcast '{broadcast.BroadcastId}' exists with other content; use a new broadcastId.");
        }
        // Started on every call, so a create that crashed before its start is started by the retry (a running instance is not started twice).
        var run = new BroadcastRun(stored.BroadcastId, stored.SendAt, clock, journeyOptions.Value.LookSeconds, Math.Max(1, options.Value.Wave));
        await engine.Client.CreateOrchestrationInstanceAsync(BroadcastOrchestration.Name, BroadcastOrchestration.Version, BroadcastOrchestration.InstanceId(stored.BroadcastId),
            JourneyJson.Write(run), null, JourneyService.NotToStartAgain).WaitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/broadcasts/{stored.BroadcastId}", (await BroadcastReport.ReadAsync(broadcasts, stored.BroadcastId, cancellationToken))!);
    }

    internal static async Task<Results<Ok<BroadcastReport>, ProblemHttpResult>> GetBroadcast(
        string broadcastId, ClaimsPrincipal user, BroadcastStore broadcasts, CancellationToken cancellationToken)
    {
        var report = Core.Ids.IsValid(broadcastId) ? await BroadcastReport.ReadAsync(broadcasts, broadcastId, cancellationToken) : null;
        if (report is null || (!user.IsInRole(Roles.Hq) && report.OwnerStoreId != user.FindFirstValue(Roles.StoreIdClaim)))
        {
            return Problems.NotFound($"No broadcast '{broadcastId}' is yours.");
        }
        return TypedResults.Ok(report);
    }

    /// <summary>A broadcast's tracked link: the open is counted once on its lead, then on to the asset's share link (which records content-opened).</summary>
    internal static async Task<Results<RedirectHttpResult, ProblemHttpResult>> OpenLink(
        string token, BroadcastLinks links, BroadcastStore broadcasts, Core.Campaigns.ShareLinks shares, TimeProvider time,
        IOptions<Campaigns.CampaignOptions> campaignOptions, CancellationToken cancellationToken)
    {
        if (!links.TryOpen(token, out var broadcastId, out var row)) return Problems.BadRequest("This link is not a Funnel broadcast link, or it was altered.");
        var found = await broadcasts.GetAsync(broadcastId, cancellationToken);
        var target = found is null ? null : await broadcasts.TargetAsync(broadcastId, row, cancellationToken);
        if (found is not { Broadcast.Content: { CampaignId: { } campaignId, AssetId: { } assetId } } || target is null)
        {
            return Problems.NotFound("This message's link is no longer available.");
        }
        var now = time.GetUtcNow();
        await broadcasts.MarkOnceAsync(broadcastId, row, "OpenedAt", now, cancellationToken);
        var share = shares.Sign(new Core.Campaigns.ShareLink(campaignId, assetId, target.StoreId, null, target.LeadId, now.AddHours(campaignOptions.Value.ShareLinkHours)));
        return TypedResults.Redirect($"{CampaignsApi.SharePath}/{share}");
    }

    /// <summary>text: "{store}" becomes the store's name; campaignId + assetId: a tracked link to the asset is added; windowDays: a purchase within it counts as converted (default 7).</summary>
    internal sealed record BroadcastRequest(string? BroadcastId, string? SegmentId, string? Text, string? CampaignId, string? AssetId, DateTimeOffset? SendAt, int? WindowDays);
}
