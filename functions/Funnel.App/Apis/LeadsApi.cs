using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.Core.Groups;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class LeadsApi
{
    public static IEndpointRouteBuilder MapLeadsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leads/{leadId}", GetLead).WithName("GetLead").WithTags("Leads")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store, Roles.Clerk));
        return app;
    }

    /// <summary>
    /// A lead's profile. HQ sees every store the lead belongs to; a store or clerk sees only its own store's
    /// view, and a lead that is not theirs is not found (its existence elsewhere is not revealed).
    /// </summary>
    internal static async Task<Results<Ok<LeadResponse>, ProblemHttpResult>> GetLead(
        string leadId, ClaimsPrincipal user, LeadRepository leads, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadRequest("A lead id is 32 lowercase hex characters, as returned by POST /api/scans.");
        var index = await leads.GetIndexAsync(leadId, cancellationToken);
        var visible = index?.StoreIds.ToList() ?? [];
        if (!user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.StoreIdClaim);
            visible = visible.Where(s => s == own).ToList();
        }
        var rows = await Task.WhenAll(visible.Select(s => leads.ReadMemberAsync(s, leadId, cancellationToken)));
        var memberships = visible.Zip(rows).Where(x => x.Second is not null).Select(x => (StoreId: x.First, Member: x.Second!.Value.Member)).ToList();
        if (index is null || memberships.Count == 0) return Problems.NotFound($"No lead '{leadId}' is known{(user.IsInRole(Roles.Hq) ? "" : " at your store")}.");

        var home = memberships.Find(m => m.StoreId == index.FirstStoreId);
        if (home.Member is null) home = memberships[0];
        return TypedResults.Ok(new LeadResponse(
            leadId,
            home.StoreId,
            home.Member.ClerkId,
            "awareness",
            [.. memberships.SelectMany(m => m.Member.Tags).Distinct(StringComparer.Ordinal)],
            0,
            [.. memberships.SelectMany(m => m.Member.GroupIds.Select(g => new LeadGroup(m.StoreId, g, TierOf(g))))],
            index.CreatedAt,
            [.. memberships.Select(m => new LeadStore(m.StoreId, m.Member.ClerkId, m.Member.LastClerkId, m.Member.FirstScanAt, m.Member.LastScanAt, m.Member.Tags))]));
    }

    private static string TierOf(string groupId) => Group.TryParseId(groupId, out var tier, out _) ? tier.Name() : "unknown";

    internal sealed record LeadResponse(
        string LeadId, string StoreId, string? ClerkId, string Stage, List<string> Tags, int Points,
        List<LeadGroup> Groups, DateTimeOffset? CreatedAt, List<LeadStore> Stores);

    internal sealed record LeadGroup(string StoreId, string GroupId, string Tier);

    internal sealed record LeadStore(
        string StoreId, string? ClerkId, string? LastClerkId, DateTimeOffset FirstScanAt, DateTimeOffset LastScanAt, IReadOnlyList<string> Tags);
}
