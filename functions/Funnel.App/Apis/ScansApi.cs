using Funnel.App.Extensions;
using Funnel.App.Stores;
using Microsoft.Extensions.Options;
using Funnel.App.Scans;
using Funnel.Core;
using Funnel.Core.Codes;
using Funnel.Core.Groups;
using Funnel.Core.Journeys;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class ScansApi
{
    public const int MaxBodyBytes = 4 * 1024;
    public const int TrialSlotsOffered = 6;

    public static IEndpointRouteBuilder MapScansApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/scans", PostScan).WithName("PostScan").WithTags("Scans")
            .AllowAnonymous()
            .RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .WithRequestSizeLimit(MaxBodyBytes)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// A shopper scanned a code. 200 with the seat; 409 when every mass group of the store is full (the lead
    /// and the scan are still recorded, and the shopper is seated on a later scan once there is room).
    /// </summary>
    internal static async Task<Results<Ok<ScanResponse>, ValidationProblem, ProblemHttpResult>> PostScan(
        ScanRequest body, CodeSigner signer, ScanService scans, TimeProvider time, IOptions<FunnelOptions> options,
        CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.RequireText("code", body.Code, 512);
        v.RequireText("shopperId", body.ShopperId, LeadIdHasher.MaxShopperIdLength);
        v.Id("scanId", body.ScanId, required: false);
        if (!v.IsValid) return v.Problem();
        if (!signer.TryVerify(body.Code, out var code, out var error)) return Problems.BadRequest(error);

        var (r, stage, store) = await scans.ScanAsync(code!, body.ShopperId!, body.ScanId, cancellationToken);
        if (r.Seat is null)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "groups-full", "Every group is full",
                $"Every mass group of store '{code!.StoreId}' is full. The shopper is recorded as a lead and will get a seat on their next scan once the store has room (HQ can raise maxGroups or groupCapacity with PUT /api/stores/{code.StoreId}).",
                new Dictionary<string, object?> { ["leadId"] = r.LeadId, ["storeId"] = code.StoreId });
        }
        return TypedResults.Ok(new ScanResponse(
            r.LeadId, code!.StoreId, r.ClerkId, r.IsNewLead, r.IsNewAtStore, r.Replayed,
            new SeatResponse(r.Seat.GroupId, r.Seat.Tier.Name(), JoinUrl(options.Value.GroupJoinUrlTemplate, code.StoreId, r.Seat.GroupId)),
            (stage ?? JourneyStage.Awareness).Name(),
            TrialSlots.Next(time.GetUtcNow(), store.Policy.TimeZone, TrialSlotsOffered)));
    }

    /// <summary>The messaging app's invite link for a group, from Funnel:GroupJoinUrlTemplate ({storeId}, {groupId}); null when none is set.</summary>
    internal static string? JoinUrl(string? template, string storeId, string groupId) =>
        string.IsNullOrWhiteSpace(template) ? null
            : template.Replace("{storeId}", Uri.EscapeDataString(storeId), StringComparison.Ordinal).Replace("{groupId}", Uri.EscapeDataString(groupId), StringComparison.Ordinal);

    internal sealed record ScanRequest(string? Code, string? ShopperId, string? ScanId);

    /// <summary><c>trialSlots</c>: the next guided-trial times the shopper can book (UTC; whole hours of the store's day).</summary>
    internal sealed record ScanResponse(
        string LeadId, string StoreId, string? ClerkId, bool IsNewLead, bool IsNewAtStore, bool Replayed, SeatResponse Group, string Stage,
        IReadOnlyList<DateTimeOffset> TrialSlots);

    internal sealed record SeatResponse(string GroupId, string Tier, string? JoinUrl);
}
