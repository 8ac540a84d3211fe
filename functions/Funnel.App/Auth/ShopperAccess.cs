using System.Security.Claims;
using Funnel.Core;
using Funnel.Core.Codes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Auth;

/// <summary>A route the store's staff or the shopper's session may call (<see cref="ShopperAccess.RequireStaffOrShopperSession"/>).</summary>
internal sealed record ShopperSessionMetadata;

/// <summary>Who acts on a lead's journey: the store's staff, or the shopper with the session a scan gave them.</summary>
internal sealed record JourneyCaller(bool IsStaff, string? StoreId);

/// <summary>
/// The rule for the routes a shopper's page calls about their own journey: the store's staff (hq: any store; store
/// and clerk tokens: their own), or the shopper, with the session (<see cref="Header"/>) a scan of that store answered
/// for that very lead. Nobody else: not an anonymous caller who knows a lead id, not a till's pos token.
/// </summary>
internal static class ShopperAccess
{
    public const string Header = "X-Shopper-Session";

    /// <summary>
    /// Marks a route as reached by the store's staff or the shopper's session (checked by its handler with
    /// <see cref="Check"/>: the session names the lead, which only the handler knows); the OpenAPI document says so.
    /// </summary>
    public static TBuilder RequireStaffOrShopperSession<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ShopperSessionMetadata());

    /// <summary>
    /// A route of a shopper's own data that staff reach too: no token required by the framework (the handler checks the
    /// session or the staff token with <see cref="Check"/>), under the public rate limit.
    /// </summary>
    public static RouteHandlerBuilder ForStaffOrShopper(this RouteHandlerBuilder builder) =>
        builder.AllowAnonymous().RequireRateLimiting(Extensions.HostingExtensions.PublicRateLimit).RequireStaffOrShopperSession();

    /// <summary>The roles that act on a store's shoppers as its staff.</summary>
    public static readonly string[] StaffRoles = [Roles.Hq, Roles.Store, Roles.Clerk];

    public static bool IsStaff(ClaimsPrincipal user) => StaffRoles.Any(user.IsInRole);

    /// <summary>
    /// The caller and the store it acts at (<paramref name="storeId"/> when given, else the session's or the staff
    /// token's store; null for hq without one), or the 400/401/403 that refuses it.
    /// </summary>
    public static (JourneyCaller? Caller, ProblemHttpResult? Refused) Check(
        HttpContext http, ShopperSessions sessions, DateTimeOffset now, string leadId, string? storeId)
    {
        var user = http.User;
        if (storeId is not null && !Ids.IsValid(storeId)) return (null, Problems.BadRequest(Ids.Describe("storeId")));
        if (IsStaff(user))
        {
            if (storeId is not null)
            {
                return StoreScope.Check(user, storeId, StaffRoles) is { } refused ? (null, refused) : (new JourneyCaller(true, storeId), null);
            }
            return (new JourneyCaller(true, user.IsInRole(Roles.Hq) ? null : user.FindFirstValue(Roles.StoreIdClaim) ?? ""), null);
        }
        var token = http.Request.Headers[Header].ToString();
        if (token.Length == 0)
        {
            return user.Identity?.IsAuthenticated == true
                ? (null, Problems.Forbidden($"A {StoreScope.RolesOf(user)} token does not act on a shopper's journey: send the shopper's session ({Header}) or a staff token (hq, store, clerk)."))
                : (null, Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "No shopper session",
                    $"A shopper's journey is reached with the session the scan answered (header {Header}) or with a staff token (Authorization: Bearer). Scan the store's code to get a session."));
        }
        if (!sessions.TryOpen(token, now, out var session, out var error))
        {
            return (null, Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Shopper session refused", error));
        }
        if (session!.LeadId != leadId) return (null, Problems.Forbidden("The shopper session is for another lead: a shopper acts on their own journey only."));
        if (storeId is not null && storeId != session.StoreId)
        {
            return (null, Problems.Forbidden($"The shopper session is for store '{session.StoreId}'; scan store '{storeId}''s code to act there."));
        }
        return (new JourneyCaller(false, session.StoreId), null);
    }
}
