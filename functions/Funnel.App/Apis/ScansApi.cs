using System.Security.Claims;
using Funnel.App.Auth;
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
    /// A shopper scanned a code. 200 with the seat and the shopper's session (what their own journey events are sent
    /// with); 409 when every mass group of the store is full (the lead and the scan are still recorded, the session is
    /// answered too, and the shopper is seated on a later scan once there is room). An anonymous caller learns only what
    /// the landing page shows: whoever types a phone number must not learn whether it is a customer's. Whether the lead
    /// is new, its stage and its clerk are answered to the store's staff only (hq, or a store or clerk token of the
    /// code's store: a kiosk, the demo, the tests).
    /// </summary>
    internal static async Task<Results<Ok<ScanResponse>, ValidationProblem, ProblemHttpResult>> PostScan(
        ScanRequest body, ClaimsPrincipal user, CodeSigner signer, ShopperSessions sessions, ScanService scans, TimeProvider time,
        IOptions<FunnelOptions> options, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.RequireText("code", body.Code, 512);
        v.RequireText("shopperId", body.ShopperId, LeadIdHasher.MaxShopperIdLength);
        v.Id("scanId", body.ScanId, required: false);
        if (!v.IsValid) return v.Problem();
        if (!signer.TryVerify(body.Code, out var code, out var error)) return Problems.BadRequest(error);

        var staff = StoreScope.Check(user, code!.StoreId, ShopperAccess.StaffRoles) is null;
        var (r, stage, store) = await scans.ScanAsync(code, body.ShopperId!, body.ScanId, withStage: staff, cancellationToken);
        var now = time.GetUtcNow();
        var expires = now.AddMinutes(options.Value.ShopperSessionMinutes);
        var session = sessions.Issue(new ShopperSession(r.LeadId, code!.StoreId, expires));
        if (r.Seat is null)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "groups-full", "Every group is full",
                $"Every mass group of store '{code.StoreId}' is full. The shopper is recorded as a lead and will get a seat on their next scan once the store has room (HQ can raise maxGroups or groupCapacity with PUT /api/stores/{code.StoreId}).",
                new Dictionary<string, object?> { ["leadId"] = r.LeadId, ["storeId"] = code.StoreId, ["session"] = session, ["sessionExpiresAt"] = expires });
        }
        return TypedResults.Ok(new ScanResponse(
            r.LeadId, code.StoreId, r.Replayed, session, expires,
            new SeatResponse(r.Seat.GroupId, r.Seat.Tier.Name(), JoinUrl(options.Value.GroupJoinUrlTemplate, code.StoreId, r.Seat.GroupId)),
            TrialSlots.Next(now, store.Policy.TimeZone, TrialSlotsOffered),
            staff ? new ScanDetail(r.IsNewLead, r.IsNewAtStore, (stage ?? JourneyStage.Awareness).Name(), r.ClerkId) : null));
    }

    /// <summary>The messaging app's invite link for a group, from Funnel:GroupJoinUrlTemplate ({storeId}, {groupId}); null when none is set.</summary>
    internal static string? JoinUrl(string? template, string storeId, string groupId) =>
        string.IsNullOrWhiteSpace(template) ? null
            : template.Replace("{storeId}", Uri.EscapeDataString(storeId), StringComparison.Ordinal).Replace("{groupId}", Uri.EscapeDataString(groupId), StringComparison.Ordinal);

    internal sealed record ScanRequest(string? Code, string? ShopperId, string? ScanId);

    /// <summary>
    /// <c>session</c>: the shopper's session, sent as the X-Shopper-Session header with their journey events, good
    /// until <c>sessionExpiresAt</c>. <c>replayed</c>: this scan id was answered before (the same answer, nothing
    /// counted again). <c>trialSlots</c>: the next guided-trial times the shopper can book (UTC; whole hours of the
    /// store's day). <c>detail</c>: for the store's staff only, null otherwise.
    /// </summary>
    internal sealed record ScanResponse(
        string LeadId, string StoreId, bool Replayed, string Session, DateTimeOffset SessionExpiresAt, SeatResponse Group,
        IReadOnlyList<DateTimeOffset> TrialSlots, ScanDetail? Detail);

    /// <summary>What only the store's staff learn from a scan: whether the lead is new (brand-wide, at this store), its journey stage, its clerk.</summary>
    internal sealed record ScanDetail(bool IsNewLead, bool IsNewAtStore, string Stage, string? ClerkId);

    internal sealed record SeatResponse(string GroupId, string Tier, string? JoinUrl);
}
