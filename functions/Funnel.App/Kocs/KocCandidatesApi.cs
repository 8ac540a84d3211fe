using Funnel.App.Auth;
using Funnel.App.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Kocs;

/// <summary>The store's shoppers most worth promoting to KOC, for the clerk to consider.</summary>
internal static class KocCandidatesApi
{
    /// <summary>Members read for one answer: a store's whole community (20 groups of 200) and then some.</summary>
    public const int MaxMembersRead = 5_000;

    public static IEndpointRouteBuilder MapKocCandidatesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stores/{storeId}/koc-candidates", GetCandidates).WithName("GetKocCandidates").WithTags("KOCs")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// The store's members who are not its KOCs, ranked by engagement as the points programme recorded it: leads they
    /// recruited by sharing, then guided trials completed, then points earned (ties: lead id); those with none of the
    /// three are left out. Reads the member ids (one query) and each member's points balance (a point read each, in
    /// parallel), at most <see cref="MaxMembersRead"/> members.
    /// </summary>
    internal static async Task<Results<Ok<CandidatesResponse>, ValidationProblem, ProblemHttpResult>> GetCandidates(
        string storeId, int? limit, StoreRepository stores, LeadRepository leads, KocLedger kocs, Points.PointsLedger points, CancellationToken cancellationToken)
    {
        var v = new Apis.Validation();
        v.Range("limit", limit, 1, 200);
        if (!v.IsValid) return v.Problem();
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        var members = await leads.MemberIdsAsync(storeId, MaxMembersRead, cancellationToken);
        var active = (await kocs.ProfilesAsync(storeId, cancellationToken)).Where(p => p.Active).Select(p => p.LeadId).ToHashSet(StringComparer.Ordinal);
        var others = members.Where(m => !active.Contains(m)).ToList();
        var balances = await points.BalancesAsync(others, cancellationToken);
        var candidates = others.Select((leadId, i) => (leadId, b: balances[i])).Where(x => x.b.Referrals + x.b.Trials + x.b.Earned > 0)
            .Select(x => new KocCandidate(x.leadId, x.b.Referrals, x.b.Trials, x.b.Earned));
        var ranked = candidates.OrderByDescending(c => c.SharesRecruited).ThenByDescending(c => c.TrialsCompleted).ThenByDescending(c => c.PointsEarned)
            .ThenBy(c => c.LeadId, StringComparer.Ordinal).Take(limit ?? 20).ToList();
        return TypedResults.Ok(new CandidatesResponse(storeId, members.Count, ranked));
    }

    /// <summary>membersRead: how many of the store's members were looked at.</summary>
    internal sealed record CandidatesResponse(string StoreId, int MembersRead, List<KocCandidate> Candidates);

    internal sealed record KocCandidate(string LeadId, long SharesRecruited, long TrialsCompleted, long PointsEarned);
}
