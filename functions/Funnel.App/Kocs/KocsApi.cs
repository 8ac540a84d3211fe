using System.Security.Claims;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.App.WeCom;
using Funnel.Core.Codes;
using Funnel.Core.Kocs;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Funnel.App.Kocs;

/// <summary>The KOC programme: promotion (with the KOC's code), HQ's assessment thresholds, and the monthly scorecards.</summary>
internal static class KocsApi
{
    public const int MaxQuota = 1_000_000;

    public static IEndpointRouteBuilder MapKocsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/stores/{storeId}/kocs/{leadId}", PutKoc).WithName("PutKoc").WithTags("KOCs")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk).WithRequestSizeLimit(4 * 1024)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        app.MapGet("/api/kocs", GetKocs).WithName("GetKocs").WithTags("KOCs")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store, Roles.Clerk)).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapKocCandidatesApi();
        app.MapPut("/api/programme/kocs", PutThresholds).WithName("PutKocThresholds").WithTags("KOCs").RequireAuthorization(p => p.RequireRole(Roles.Hq));
        app.MapGet("/api/programme/kocs", GetThresholds).WithName("GetKocThresholds").WithTags("KOCs")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store, Roles.Clerk));
        return app;
    }

    /// <summary>
    /// Promotes a member of the store to KOC with a quota of users they may serve (again: a new quota or clerk; what they
    /// served stays). Answers the KOC's code (channel "koc-{leadId}"): a lead new to the store who joins through it is
    /// the KOC's recruit as well as the store's (and the clerk's, when the code has one) while the KOC has room, and the
    /// store's alone after. The clerk is the one whose WeCom adds the KOC's recruits (with WeCom on, the answer's
    /// <c>weCom</c> is that clerk's contact way for the code): the caller if a clerk, else the one given, else none.
    /// The store's month-end assessment starts on the durable engine with its first KOC.
    /// </summary>
    internal static async Task<Results<Ok<KocResponse>, ValidationProblem, ProblemHttpResult>> PutKoc(
        string storeId, string leadId, KocRequest body, HttpRequest request, ClaimsPrincipal user, StoreRepository stores, LeadRepository leads,
        KocCredits credits, KocSchedule schedule, CodeSigner signer, IOptions<FunnelOptions> options, IOptions<WeComOptions> weCom, IServiceProvider services,
        TimeProvider time, Audience.AuditLog audit, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        await audit.RecordAsync(user, "koc.promote", leadId, storeId, cancellationToken);
        var clerkId = user.IsInRole(Roles.Clerk) && !user.IsInRole(Roles.Store) && !user.IsInRole(Roles.Hq) ? user.FindFirstValue(Roles.ClerkIdClaim) : body.ClerkId;
        var v = new Validation();
        v.Range("quota", body.Quota, 1, MaxQuota);
        if (body.Quota is null) v.Add("quota", $"quota is the number of users the KOC may serve, 1 to {MaxQuota}.");
        v.Id("clerkId", clerkId, required: false);
        if (!v.IsValid) return v.Problem();
        var store = await stores.GetAsync(storeId, cancellationToken);
        if (store is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        if (await leads.ReadMemberAsync(storeId, leadId, cancellationToken) is null) return Problems.NotFound($"Lead '{leadId}' is no member of store '{storeId}': a KOC is one of the store's own shoppers.");
        if (clerkId is not null && await stores.GetClerkNameAsync(storeId, clerkId, cancellationToken) is null)
        {
            return Problems.NotFound($"Clerk '{clerkId}' does not exist at store '{storeId}'; add them with PUT /api/stores/{storeId}/clerks/{clerkId}.");
        }
        var entry = new EntryCode(storeId, clerkId, null, LeadChannel.Koc.ChannelFor(leadId));
        var code = signer.Sign(entry);
        var (way, problem) = await CodesApi.WeComWayAsync(entry, code, services, weCom.Value, groupWay: false, cancellationToken);
        if (problem is not null) return problem;
        var now = time.GetUtcNow();
        var profile = await credits.PromoteAsync(storeId, leadId, body.Quota!.Value, clerkId, PromoterOf(user), now, cancellationToken);
        await schedule.StartAsync(store, cancellationToken);
        return TypedResults.Ok(new KocResponse(profile.StoreId, profile.LeadId, profile.Quota, profile.Served, profile.Active, profile.PromotedAt, profile.PromotedBy,
            profile.ClerkId, CodesApi.Response(code, request, options, way)));
    }

    private static string PromoterOf(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Hq) ? "hq" : user.FindFirstValue(Roles.ClerkIdClaim) is { } clerk ? "clerk:" + clerk : "store";

    /// <summary>
    /// The KOCs' scorecards for a month (default: this month), best first (conversions, then revenue). With
    /// <c>storeId</c>: that store's (store and clerk tokens: their own store only), with each KOC's points earned that month
    /// and the month's assessment once made. Without (hq only): every store's, optionally of one <c>region</c>: the leaderboard.
    /// Months are each store's local months.
    /// </summary>
    internal static async Task<Results<Ok<KocsResponse>, ValidationProblem, ProblemHttpResult>> GetKocs(
        string? storeId, string? region, string? month, ClaimsPrincipal user, StoreRepository stores, KocLedger ledger, Points.PointsLedger points,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("storeId", storeId, required: false);
        v.Id("region", region, required: false);
        KocMonth? asked = KocMonth.TryParse(month, out var parsed) ? parsed : null;
        if (month is not null && asked is null) v.Add("month", "month is yyyy-MM, e.g. 2026-11.");
        if (!v.IsValid) return v.Problem();
        if (storeId is null && !user.IsInRole(Roles.Hq)) return Problems.Forbidden("Store and clerk tokens read their own store's KOCs: give storeId.");
        if (storeId is not null && StoreScope.Check(user, storeId, [Roles.Hq, Roles.Store, Roles.Clerk]) is { } refused) return refused;
        var now = time.GetUtcNow();
        if (storeId is not null)
        {
            var store = await stores.GetAsync(storeId, cancellationToken);
            if (store is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
            var zone = store.Policy.TimeZone;
            var m = asked ?? KocMonth.Of(now, zone);
            var (profiles, cards, assessments) = await ledger.StoreMonthAsync(storeId, m, cancellationToken);
            var rows = new List<KocScorecard>(profiles.Count);
            foreach (var (p, _) in profiles)
            {
                var earned = await PointsEarnedAsync(points, p.LeadId, m, zone, cancellationToken);
                rows.Add(KocScorecard.Of(p, store.Region, cards.GetValueOrDefault(KocLedger.Key(p)), earned, assessments.GetValueOrDefault(KocLedger.Key(p))));
            }
            return TypedResults.Ok(new KocsResponse(m.ToString(), storeId, null, Ranked(rows)));
        }
        var chainMonth = asked ?? KocMonth.Of(now, TimeZoneInfo.Utc);
        var listed = (await stores.ListAsync(region, cancellationToken)).ToDictionary(s => s.StoreId, s => s.Region, StringComparer.Ordinal);
        var (all, allCards) = await ledger.AllAsync(chainMonth, cancellationToken);
        var board = all.Where(p => listed.ContainsKey(p.Profile.StoreId))
            .Select(p => KocScorecard.Of(p.Profile, listed[p.Profile.StoreId], allCards.GetValueOrDefault(KocLedger.Key(p.Profile)), null, null)).ToList();
        return TypedResults.Ok(new KocsResponse(chainMonth.ToString(), null, region, Ranked(board)));
    }

    private static List<KocScorecard> Ranked(List<KocScorecard> rows) =>
        [.. rows.OrderByDescending(r => r.Conversions).ThenByDescending(r => r.Revenue).ThenBy(r => r.StoreId, StringComparer.Ordinal).ThenBy(r => r.LeadId, StringComparer.Ordinal)];

    /// <summary>Points the KOC earned in the store-local month: the positive entries of their ledger dated in it.</summary>
    private static async Task<long> PointsEarnedAsync(Points.PointsLedger points, string leadId, KocMonth month, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var (_, entries) = await points.ReadAllAsync(leadId, cancellationToken);
        return entries.Where(e => e.Points > 0 && KocMonth.Of(e.At, zone) == month).Sum(e => e.Points);
    }

    internal static async Task<Results<Ok<ThresholdsResponse>, ValidationProblem>> PutThresholds(
        KocThresholds body, KocCredits credits, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        foreach (var (name, rate) in new[] { ("raiseMinConversionRate", body.RaiseMinConversionRate), ("raiseMinServiceRate", body.RaiseMinServiceRate),
            ("raiseMaxComplaintRate", body.RaiseMaxComplaintRate), ("lowerBelowConversionRate", body.LowerBelowConversionRate),
            ("lowerBelowServiceRate", body.LowerBelowServiceRate), ("lowerAboveComplaintRate", body.LowerAboveComplaintRate) })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate)) v.Add(name, $"{name} is a rate, 0 to 1.");
        }
        if (body.RaiseMinRecruited is < 0 or > MaxQuota) v.Add("raiseMinRecruited", $"raiseMinRecruited is a count of recruits, 0 to {MaxQuota}.");
        if (body.RaiseBy is < 1 or > 100 || double.IsNaN(body.RaiseBy)) v.Add("raiseBy", "raiseBy multiplies the quota of a KOC raised: 1 to 100 (2.5: 20,000 becomes 50,000).");
        if (body.LowerBy is <= 0 or > 1 || double.IsNaN(body.LowerBy)) v.Add("lowerBy", "lowerBy multiplies the quota of a KOC lowered: above 0, at most 1 (0.5 halves it).");
        if (body.MinQuota < 1 || body.MaxQuota > MaxQuota || body.MinQuota > body.MaxQuota) v.Add("minQuota", $"minQuota..maxQuota bound every quota the assessment sets: 1 ≤ minQuota ≤ maxQuota ≤ {MaxQuota}.");
        if (!v.IsValid) return v.Problem();
        var now = time.GetUtcNow();
        await credits.SaveThresholdsAsync(body, now, cancellationToken);
        return TypedResults.Ok(new ThresholdsResponse(body, now));
    }

    internal static async Task<Ok<ThresholdsResponse>> GetThresholds(KocCredits credits, CancellationToken cancellationToken)
    {
        var (thresholds, updatedAt) = await credits.ThresholdsAsync(cancellationToken);
        return TypedResults.Ok(new ThresholdsResponse(thresholds, updatedAt));
    }

    internal sealed record KocRequest(int? Quota, string? ClerkId);

    internal sealed record KocResponse(
        string StoreId, string LeadId, int Quota, long Served, bool Active, DateTimeOffset PromotedAt, string PromotedBy, string? ClerkId, CodesApi.CodeResponse Code);

    /// <summary>thresholds: what the next assessment applies; updatedAt: null while they are the defaults.</summary>
    internal sealed record ThresholdsResponse(KocThresholds Thresholds, DateTimeOffset? UpdatedAt);

    internal sealed record KocsResponse(string Month, string? StoreId, string? Region, List<KocScorecard> Kocs);
}
