using Funnel.App.Extensions;
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

    public static IEndpointRouteBuilder MapScansApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/scans", PostScan).WithName("PostScan").WithTags("Scans")
            .AllowAnonymous()
            .RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .WithRequestSizeLimit(MaxBodyBytes);
        return app;
    }

    /// <summary>
    /// A shopper scanned a code. 200 with the seat; 409 when every mass group of the store is full (the lead
    /// and the scan are still recorded, and the shopper is seated on a later scan once there is room).
    /// </summary>
    internal static async Task<Results<Ok<ScanResponse>, ValidationProblem, ProblemHttpResult>> PostScan(
        ScanRequest body, CodeSigner signer, ScanService scans, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.RequireText("code", body.Code, 512);
        v.RequireText("shopperId", body.ShopperId, LeadIdHasher.MaxShopperIdLength);
        v.Id("scanId", body.ScanId, required: false);
        if (!v.IsValid) return v.Problem();
        if (!signer.TryVerify(body.Code, out var code, out var error)) return Problems.BadRequest(error);

        var (r, stage) = await scans.ScanAsync(code!, body.ShopperId!, body.ScanId, cancellationToken);
        if (r.Seat is null)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "groups-full", "Every group is full",
                $"Every mass group of store '{code!.StoreId}' is full. The shopper is recorded as a lead and will get a seat on their next scan once the store has room (HQ can raise maxGroups or groupCapacity with PUT /api/stores/{code.StoreId}).",
                new Dictionary<string, object?> { ["leadId"] = r.LeadId, ["storeId"] = code.StoreId });
        }
        return TypedResults.Ok(new ScanResponse(
            r.LeadId, code!.StoreId, r.ClerkId, r.IsNewLead, r.IsNewAtStore, r.Replayed,
            new SeatResponse(r.Seat.GroupId, r.Seat.Tier.Name(), null), (stage ?? JourneyStage.Awareness).Name()));
    }

    internal sealed record ScanRequest(string? Code, string? ShopperId, string? ScanId);

    internal sealed record ScanResponse(
        string LeadId, string StoreId, string? ClerkId, bool IsNewLead, bool IsNewAtStore, bool Replayed, SeatResponse Group, string Stage);

    internal sealed record SeatResponse(string GroupId, string Tier, string? JoinUrl);
}
