using System.Security.Claims;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.Leads;
using Funnel.Core.Points;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Points;

/// <summary>HQ's points rules, a lead's balance and ledger, and redemptions (the shopper with their session, or the store's staff).</summary>
internal static class PointsApi
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapPointsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/programme/points", PutRules).WithName("PutPointsRules").WithTags("Points").RequireAuthorization(p => p.RequireRole(Roles.Hq));
        app.MapGet("/api/programme/points", GetRules).WithName("GetPointsRules").WithTags("Points")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store, Roles.Clerk));
        app.MapGet("/api/leads/{leadId}/points", GetPoints).WithName("GetLeadPoints").WithTags("Points")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/leads/{leadId}/points/redemptions", PostRedemption).WithName("PostPointsRedemption").WithTags("Points")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPost("/api/leads/{leadId}/share-code", PostShareCode).WithName("PostShareCode").WithTags("Points")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// A new version of the rules, in effect from <c>effectiveFrom</c> (at least <see cref="PointsProgramme.CacheSeconds"/>
    /// from now, so every instance knows it first; default: that soon). Past awards stay as they were.
    /// </summary>
    internal static async Task<Results<Ok<RulesResponse>, ValidationProblem>> PutRules(RulesRequest body, PointsProgramme programme, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Range("joining", body.Joining, 0, PointsRules.MaxPointsPerEvent);
        v.Range("trialCompleted", body.TrialCompleted, 0, PointsRules.MaxPointsPerEvent);
        v.Range("shareRecruited", body.ShareRecruited, 0, PointsRules.MaxPointsPerEvent);
        v.Range("referralDailyCap", body.ReferralDailyCap, 0, 1000);
        v.Range("expireAfterDays", body.ExpireAfterDays, 0, PointsRules.MaxExpireAfterDays);
        if (body.PerUnitAmount is < 0 or > 1000) v.Add("perUnitAmount", "perUnitAmount is the points per unit of purchase amount, 0 to 1000 (e.g. 1: a point per yuan).");
        var earliest = time.GetUtcNow() + TimeSpan.FromSeconds(PointsProgramme.CacheSeconds);
        if (body.EffectiveFrom is { } from && from < earliest)
        {
            v.Add("effectiveFrom", $"Rules take effect at least {PointsProgramme.CacheSeconds} s after they are saved (every instance reads them first): {earliest:O} or later, or leave it out.");
        }
        if (!v.IsValid) return v.Problem();
        await programme.SaveAsync(new PointsRules(body.Joining ?? 0, body.TrialCompleted ?? 0, body.ShareRecruited ?? 0, body.PerUnitAmount ?? 0, body.EffectiveFrom ?? earliest)
        {
            ReferralDailyCap = body.ReferralDailyCap ?? 10,
            ExpireAfterDays = body.ExpireAfterDays ?? 0,
        }, cancellationToken);
        return TypedResults.Ok(await RulesAsync(programme, time, cancellationToken));
    }

    internal static async Task<Ok<RulesResponse>> GetRules(PointsProgramme programme, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await RulesAsync(programme, time, cancellationToken));

    private static async Task<RulesResponse> RulesAsync(PointsProgramme programme, TimeProvider time, CancellationToken cancellationToken)
    {
        var versions = await programme.VersionsAsync(cancellationToken);
        var now = PointsRules.InEffect(versions, time.GetUtcNow());
        return new RulesResponse(now == PointsRules.None ? null : now, [.. versions.OrderByDescending(r => r.EffectiveFrom)]);
    }

    /// <summary>The lead's balance and its ledger, newest first, <paramref name="limit"/> entries from <paramref name="offset"/>.</summary>
    internal static async Task<Results<Ok<PointsResponse>, ProblemHttpResult, ValidationProblem>> GetPoints(
        string leadId, int? offset, int? limit, HttpContext http, ShopperSessions sessions, LeadRepository leads, PointsLedger ledger, TimeProvider time,
        Audience.AuditLog audit, CancellationToken cancellationToken)
    {
        if ((await CallerAsync(leadId, http, sessions, leads, time, cancellationToken)).Refused is { } refused) return refused;
        await audit.RecordAsync(http.User, "points.read", leadId, null, cancellationToken);
        var v = new Validation();
        v.Range("offset", offset, 0, int.MaxValue);
        v.Range("limit", limit, 1, MaxPageSize);
        if (!v.IsValid) return v.Problem();
        var (balance, entries) = await ledger.ReadAllAsync(leadId, cancellationToken);
        var (from, size) = (offset ?? 0, limit ?? 50);
        var page = entries.Skip(from).Take(size).ToList();
        return TypedResults.Ok(new PointsResponse(leadId, balance.Balance, balance.Earned, balance.Spent, balance.Debt, entries.Count, page,
            from + page.Count < entries.Count ? from + page.Count : null));
    }

    /// <summary>
    /// Spends points: once per <c>redemptionId</c> (the same id again answers the first outcome, 200; with other
    /// points, 409), never more than the balance (409 with the balance), also under concurrent redemptions.
    /// </summary>
    internal static async Task<Results<Created<RedemptionResponse>, Ok<RedemptionResponse>, ProblemHttpResult, ValidationProblem>> PostRedemption(
        string leadId, RedemptionRequest body, HttpContext http, ShopperSessions sessions, LeadRepository leads, PointsLedger ledger, TimeProvider time,
        Audience.TagStore tags, Audience.AuditLog audit, CancellationToken cancellationToken)
    {
        if ((await CallerAsync(leadId, http, sessions, leads, time, cancellationToken)).Refused is { } refused) return refused;
        await audit.RecordAsync(http.User, "points.redeem", leadId, body.RedemptionId, cancellationToken);
        var v = new Validation();
        v.Id("redemptionId", body.RedemptionId);
        if (body.Points is not (> 0 and <= PointsRules.MaxPointsPerEvent)) v.Add("points", $"points is what the redemption spends, 1 to {PointsRules.MaxPointsPerEvent}.");
        var reason = v.RequireText("reason", body.Reason, 200);
        if (!v.IsValid) return v.Problem();
        var points = body.Points!.Value;
        var (outcome, balance, entry) = await ledger.ApplyAsync(leadId, "redemption:" + body.RedemptionId, "redemption", reason!, time.GetUtcNow(),
            b => b.Spend(points) is { } after ? (after, -points, null) : null, cancellationToken);
        return outcome switch
        {
            LedgerOutcome.Refused => Problems.Create(StatusCodes.Status409Conflict, "insufficient-points", "Not enough points",
                $"The redemption needs {points} points; the balance is {balance.Balance}.", new Dictionary<string, object?> { ["balance"] = balance.Balance }),
            LedgerOutcome.Repeated when entry!.Points != -points => Problems.Create(StatusCodes.Status409Conflict, "redemption-conflict", "Another redemption has this id",
                $"Redemption '{body.RedemptionId}' spent {-entry.Points} points; this request asks {points}. Use a new redemptionId for a new redemption."),
            LedgerOutcome.Repeated => TypedResults.Ok(new RedemptionResponse(body.RedemptionId!, points, entry!.BalanceAfter, entry.At, Replayed: true)),
            _ => await TaggedAsync(TypedResults.Created($"/api/leads/{leadId}/points", new RedemptionResponse(body.RedemptionId!, points, balance.Balance, entry!.At, Replayed: false)), tags.AddEverywhereAsync(leadId, Core.Audience.LeadTags.Redeemed, "points", entry.At, cancellationToken)),
        };
    }

    /// <summary>
    /// The lead's personal share code: an entry code of its store (the session's, or the lead's first) whose channel
    /// names it (<see cref="Core.Kocs.LeadChannel.Referral"/>). A new lead who scans it earns the referrer the share's points and carries the
    /// tag; a returning lead, or the referrer, earns nothing. The same lead and store always give the same code.
    /// </summary>
    internal static async Task<Results<Created<Apis.CodesApi.CodeResponse>, ProblemHttpResult>> PostShareCode(
        string leadId, HttpContext http, ShopperSessions sessions, LeadRepository leads, CodeSigner signer, TimeProvider time,
        Microsoft.Extensions.Options.IOptions<Extensions.FunnelOptions> options, CancellationToken cancellationToken)
    {
        var (caller, refused) = await CallerAsync(leadId, http, sessions, leads, time, cancellationToken);
        if (refused is not null) return refused;
        var storeId = caller!.StoreId is { Length: > 0 } own ? own : (await leads.GetIndexAsync(leadId, cancellationToken))?.FirstStoreId;
        if (storeId is null) return Problems.NotFound($"No lead '{leadId}' is known.");
        var code = signer.Sign(new EntryCode(storeId, null, null, Core.Kocs.LeadChannel.Referral.ChannelFor(leadId)));
        var response = Apis.CodesApi.Response(code, http.Request, options);
        return TypedResults.Created(response.QrPngUrl, response);
    }

    private static async Task<T> TaggedAsync<T>(T result, Task tagging)
    {
        await tagging;
        return result;
    }

    private static Task<(JourneyCaller? Caller, ProblemHttpResult? Refused)> CallerAsync(
        string leadId, HttpContext http, ShopperSessions sessions, LeadRepository leads, TimeProvider time, CancellationToken cancellationToken) =>
        LeadAccess.CheckAsync(leadId, http, sessions, leads, time, cancellationToken);

    internal sealed record RulesRequest(int? Joining, int? TrialCompleted, int? ShareRecruited, decimal? PerUnitAmount, DateTimeOffset? EffectiveFrom, int? ReferralDailyCap, int? ExpireAfterDays);

    /// <summary>inEffect: the rules now (null before the first version takes effect); versions: every version, newest first.</summary>
    internal sealed record RulesResponse(PointsRules? InEffect, List<PointsRules> Versions);

    internal sealed record RedemptionRequest(string? RedemptionId, long? Points, string? Reason);

    /// <summary>balance: after this redemption (a replay: after it, as it was then).</summary>
    internal sealed record RedemptionResponse(string RedemptionId, long Points, long Balance, DateTimeOffset At, bool Replayed);

    /// <summary>entries: newest first; nextOffset: the offset of the next page, null on the last.</summary>
    internal sealed record PointsResponse(string LeadId, long Balance, long Earned, long Spent, long Debt, int Total, List<PointsEntry> Entries, int? NextOffset);
}
