using Funnel.App.Auth;

namespace Funnel.App.Tests.Auth;

/// <summary>
/// Who may call each route, written by hand from the product rules (README, "What it does today"; docs/security.md),
/// never read from the app's endpoint metadata: a wrong registration then shows as a wrong cell instead of being
/// copied into the expectation. Every route of the app is either here or in <see cref="Excluded"/> with its reason
/// (<see cref="AuthorizationMatrixTests"/> fails otherwise), so a new route cannot escape the matrix.
/// </summary>
internal static class AuthorizationMatrix
{
    public static readonly IReadOnlyList<RouteRule> Routes =
    [
        // Stores: HQ creates and changes them; that store's staff (store, clerk) read them; clerks are added by HQ or the store.
        For("PUT", "/api/stores/{storeId}", Roles.Hq),
        For("GET", "/api/stores/{storeId}", Roles.Hq, Roles.Store, Roles.Clerk),
        For("PUT", "/api/stores/{storeId}/clerks/{clerkId}", Roles.Hq, Roles.Store),
        For("GET", "/api/stores/{storeId}/groups", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/funnel", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/messages", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/wecom/groups", Roles.Hq, Roles.Store, Roles.Clerk),
        For("PUT", "/api/stores/{storeId}/wecom/groups/{chatId}", Roles.Hq, Roles.Store),

        // Staff membership is HQ's alone; "who am I" is for any signed-in caller.
        For("GET", "/api/stores/{storeId}/staff", Roles.Hq),
        For("PUT", "/api/stores/{storeId}/staff/{objectId}", Roles.Hq),
        For("DELETE", "/api/stores/{storeId}/staff/{objectId}", Roles.Hq),
        For("GET", "/api/me", Roles.Hq, Roles.Store, Roles.Clerk, Roles.Pos),

        // Codes: HQ, that store, a clerk (for their own code); the QR image of a signed code is public.
        For("POST", "/api/stores/{storeId}/codes", Roles.Hq, Roles.Store, Roles.Clerk),
        Public("GET", "/api/codes/{code}/qr.png"),

        // Scans: anyone with a signed code (rate limited).
        Public("POST", "/api/scans"),

        // Leads and journeys: HQ and the store's staff.
        For("GET", "/api/leads/{leadId}", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/leads/{leadId}/stores/{storeId}/journey/history", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/tasks", Roles.Hq, Roles.Store, Roles.Clerk),

        // A lead's journey events and their outcomes: the store's staff, and the shopper with the session their scan
        // answered (no token of any role stands for a shopper: Journeys/ShopperSessionTests.cs covers sessions).
        For("POST", "/api/leads/{leadId}/events", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/leads/{leadId}/points", Roles.Hq, Roles.Store, Roles.Clerk),
        For("POST", "/api/leads/{leadId}/points/redemptions", Roles.Hq, Roles.Store, Roles.Clerk),
        For("POST", "/api/leads/{leadId}/share-code", Roles.Hq, Roles.Store, Roles.Clerk),
        For("PUT", "/api/programme/points", Roles.Hq),
        For("GET", "/api/programme/points", Roles.Hq, Roles.Store, Roles.Clerk),

        // KOCs: the store's staff promote their own store's shoppers; HQ sets the thresholds and reads every store's
        // scorecards (store and clerk tokens read only their own store's, with ?storeId=: Kocs/KocTests.cs).
        For("PUT", "/api/stores/{storeId}/kocs/{leadId}", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/koc-candidates", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/kocs", Roles.Hq),
        For("PUT", "/api/programme/kocs", Roles.Hq),
        For("GET", "/api/programme/kocs", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/leads/{leadId}/stores/{storeId}/journey/events/{eventId}", Roles.Hq, Roles.Store, Roles.Clerk),

        // Audience: the store's staff tag their shoppers and record an opt-out (the shopper's session opts in: Audience/TagsAndConsentTests.cs);
        // export and erasure are the shopper's own (session) or HQ's; the audit is HQ's; HQ and a store build segments and
        // broadcast to them (a store within its own store: Audience/BroadcastTests.cs); a broadcast's tracked link is public.
        For("GET", "/api/leads/{leadId}/tags", Roles.Hq, Roles.Store, Roles.Clerk),
        For("PUT", "/api/leads/{leadId}/tags/{tag}", Roles.Hq, Roles.Store, Roles.Clerk),
        For("DELETE", "/api/leads/{leadId}/tags/{tag}", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/leads/{leadId}/consent", Roles.Hq, Roles.Store, Roles.Clerk),
        For("PUT", "/api/leads/{leadId}/consent", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/leads/{leadId}/export", Roles.Hq),
        For("DELETE", "/api/leads/{leadId}", Roles.Hq),
        For("GET", "/api/audit", Roles.Hq),
        For("POST", "/api/segments", Roles.Hq, Roles.Store),
        For("GET", "/api/segments", Roles.Hq, Roles.Store),
        For("POST", "/api/segments/preview", Roles.Hq, Roles.Store),
        For("GET", "/api/segments/{segmentId}/preview", Roles.Hq, Roles.Store),
        For("POST", "/api/broadcasts", Roles.Hq, Roles.Store),
        For("GET", "/api/broadcasts/{broadcastId}", Roles.Hq, Roles.Store),
        Public("GET", "/b/{token}"),

        // Campaigns are HQ's; the store's staff list, ack and share what was pushed to them; a share link is public.
        For("POST", "/api/campaigns", Roles.Hq),
        For("GET", "/api/campaigns", Roles.Hq),
        For("POST", "/api/campaigns/{campaignId}/assets", Roles.Hq),
        For("POST", "/api/campaigns/{campaignId}/push", Roles.Hq),
        For("GET", "/api/campaigns/{campaignId}/push", Roles.Hq),
        For("GET", "/api/campaigns/{campaignId}/execution", Roles.Hq),
        For("GET", "/api/stores/{storeId}/assets", Roles.Hq, Roles.Store, Roles.Clerk),
        For("POST", "/api/stores/{storeId}/assets/{assetId}/ack", Roles.Hq, Roles.Store, Roles.Clerk),
        For("GET", "/api/stores/{storeId}/assets/{assetId}/share", Roles.Hq, Roles.Store, Roles.Clerk),
        Public("GET", "/a/{token}"),

        // Sales come from a till (pos) only; HQ alone sees the chain's leaderboard and the storage diagnostics.
        For("POST", "/api/purchases", Roles.Pos),
        For("GET", "/api/leaderboard", Roles.Hq),
        For("GET", "/api/diagnostics/storage", Roles.Hq),
    ];

    private const string Trigger = "trigger route: loopback callers and the local runner's key only, not public; Hosting/TriggerRouteTests.cs";
    private const string WeComCallback = "WeCom's callback URL: no token, each request signed with the app's WeCom Token and encrypted; WeCom/WeComCallbackTests.cs";
    private const string Page = "HTML page, anonymous by design (the JSON it calls is in the matrix); asserted to answer without a token";

    /// <summary>The routes the matrix leaves out, each with why.</summary>
    public static readonly IReadOnlyList<Exclusion> Excluded =
    [
        new("POST", "/PurchasesQueue", Trigger),
        new("POST", "/PurchasesServiceBus", Trigger),
        new("POST", "/OutboundMessages", Trigger),
        new("POST", "/CampaignPush", Trigger),
        new("GET", "/healthz", "health probe, anonymous by design; asserted to answer without a token"),
        new("GET", "/openapi/{documentName}.json", "the OpenAPI document, anonymous by design; asserted to be readable without a token"),
        new("GET", "/s/{code}", Page),
        new("GET", "/clerk", Page),
        new("GET", "/hq", Page),
        new("GET", "/wecom/callback", WeComCallback),
        new("POST", "/wecom/callback", WeComCallback),
    ];

    /// <summary>
    /// The product's rule for a cell: a public route lets anyone in, whatever token (or broken token) comes along; a
    /// protected route answers 401 to a missing, forged, expired or unsigned token, 403 to a role it does not list, and
    /// to a store-scoped role (store, clerk, pos) in another store than the token's; hq reaches every store.
    /// </summary>
    public static Outcome Expected(RouteRule route, Credential credential, StoreSide side)
    {
        if (route.IsPublic) return Outcome.Allowed;
        if (credential.Role is null) return Outcome.Unauthorized;
        if (!route.Roles.Contains(credential.Role)) return Outcome.Forbidden;
        return side == StoreSide.Other && credential.Role != Roles.Hq ? Outcome.Forbidden : Outcome.Allowed;
    }

    private static RouteRule For(string method, string pattern, params string[] roles) => new(method, pattern, false, roles);

    private static RouteRule Public(string method, string pattern) => new(method, pattern, true, []);
}

/// <param name="IsPublic">Anyone may call it (no token needed, and a bad token is ignored).</param>
/// <param name="Roles">The roles that may call a protected route.</param>
internal sealed record RouteRule(string Method, string Pattern, bool IsPublic, IReadOnlyList<string> Roles)
{
    public string Route => $"{Method} {Pattern}";

    /// <summary>Routes with a {storeId} get an own-store and an other-store cell; the rest only the own cell.</summary>
    public bool HasStore => Pattern.Contains("{storeId}", StringComparison.Ordinal);
}

internal sealed record Exclusion(string Method, string Pattern, string Reason)
{
    public string Route => $"{Method} {Pattern}";
}

/// <param name="Role">The role of a valid token; null for no token and for tokens the app must refuse.</param>
internal sealed record Credential(string Name, string? Role, string? Token);

internal enum StoreSide
{
    /// <summary>The token's own store (s1; hq has none and is sent to s1), or the only cell of a route without {storeId}.</summary>
    Own,

    /// <summary>Another store (s2).</summary>
    Other,
}

internal enum Outcome
{
    /// <summary>401 with a problem+json body.</summary>
    Unauthorized,

    /// <summary>403 with a problem+json body.</summary>
    Forbidden,

    /// <summary>Past authorization: anything but 401, 403 or a 5xx (the handler may refuse the minimal input: 400, 404, 409…).</summary>
    Allowed,
}
