using System.Security.Claims;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core.Audience;
using Funnel.Core.Codes;
using Funnel.Core.Journeys;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Audience;

/// <summary>A lead's tags (the store's staff) and consent (the shopper, or staff recording an opt-out).</summary>
internal static class AudienceApi
{
    public static IEndpointRouteBuilder MapAudienceApi(this IEndpointRouteBuilder app)
    {
        var staff = new[] { Roles.Hq, Roles.Store, Roles.Clerk };
        app.MapGet("/api/leads/{leadId}/tags", GetTags).WithName("GetLeadTags").WithTags("Audience").RequireAuthorization(p => p.RequireRole(staff))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/api/leads/{leadId}/tags/{tag}", PutTag).WithName("PutLeadTag").WithTags("Audience").RequireAuthorization(p => p.RequireRole(staff))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapDelete("/api/leads/{leadId}/tags/{tag}", DeleteTag).WithName("DeleteLeadTag").WithTags("Audience").RequireAuthorization(p => p.RequireRole(staff))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/leads/{leadId}/consent", GetConsent).WithName("GetConsent").WithTags("Audience")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/api/leads/{leadId}/consent", PutConsent).WithName("PutConsent").WithTags("Audience")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<Ok<TagsResponse>, ProblemHttpResult>> GetTags(
        string leadId, string? storeId, ClaimsPrincipal user, LeadRepository leads, TagStore tags, AuditLog audit, CancellationToken cancellationToken)
    {
        var (store, refused) = await StoreOfAsync(leadId, storeId, user, leads, cancellationToken);
        if (refused is not null) return refused;
        var marks = await tags.MarksAsync(store!, leadId, cancellationToken);
        if (marks is null) return NotHere(leadId, store!);
        await audit.RecordAsync(user, "tags.read", leadId, store, cancellationToken);
        return TypedResults.Ok(new TagsResponse(leadId, store!, marks));
    }

    /// <summary>Adds a manual tag at the caller's store (hq: <c>?storeId=</c>, or the lead's first store); idempotent.</summary>
    internal static Task<Results<Ok<TagsResponse>, ProblemHttpResult>> PutTag(
        string leadId, string tag, string? storeId, ClaimsPrincipal user, LeadRepository leads, TagStore tags, AuditLog audit, TimeProvider time,
        CancellationToken cancellationToken) =>
        ChangeTagAsync(leadId, tag, storeId, user, leads, tags, audit,
            store => tags.AddAsync(store, leadId, tag, Actor(user), time.GetUtcNow(), cancellationToken), "tags.add", cancellationToken);

    internal static Task<Results<Ok<TagsResponse>, ProblemHttpResult>> DeleteTag(
        string leadId, string tag, string? storeId, ClaimsPrincipal user, LeadRepository leads, TagStore tags, AuditLog audit, CancellationToken cancellationToken) =>
        ChangeTagAsync(leadId, tag, storeId, user, leads, tags, audit, store => tags.RemoveAsync(store, leadId, tag, cancellationToken), "tags.remove", cancellationToken);

    private static async Task<Results<Ok<TagsResponse>, ProblemHttpResult>> ChangeTagAsync(
        string leadId, string tag, string? storeId, ClaimsPrincipal user, LeadRepository leads, TagStore tags, AuditLog audit,
        Func<string, Task<bool>> change, string action, CancellationToken cancellationToken)
    {
        if (!LeadTags.IsManual(tag)) return Problems.BadRequest($"'{tag}' cannot be set by hand. {LeadTags.DescribeManual}");
        var (store, refused) = await StoreOfAsync(leadId, storeId, user, leads, cancellationToken);
        if (refused is not null) return refused;
        if (!await change(store!)) return NotHere(leadId, store!);
        await audit.RecordAsync(user, action, leadId, $"{store}: {tag}", cancellationToken);
        return TypedResults.Ok(new TagsResponse(leadId, store!, await tags.MarksAsync(store!, leadId, cancellationToken) ?? []));
    }

    /// <summary>The store a staff call acts at: their own, or for hq the one asked for or the lead's first.</summary>
    private static async Task<(string? StoreId, ProblemHttpResult? Refused)> StoreOfAsync(
        string leadId, string? storeId, ClaimsPrincipal user, LeadRepository leads, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return (null, Problems.BadLeadId());
        if (storeId is not null && !Core.Ids.IsValid(storeId)) return (null, Problems.BadRequest(Core.Ids.Describe("storeId")));
        if (!user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.StoreIdClaim) ?? "";
            if (storeId is not null && storeId != own) return (null, Problems.Forbidden($"Your token acts at store '{own}' only."));
            return (own, null);
        }
        if (storeId is not null) return (storeId, null);
        var index = await leads.GetIndexAsync(leadId, cancellationToken);
        return index?.FirstStoreId is { } first ? (first, null) : (null, Problems.NotFound($"No lead '{leadId}' is known."));
    }

    private static ProblemHttpResult NotHere(string leadId, string storeId) => Problems.NotFound($"No lead '{leadId}' is known at store '{storeId}'.");

    /// <summary>Who a staff token is, for the records: its role, and its subject when it has one.</summary>
    internal static string Actor(ClaimsPrincipal user)
    {
        var role = ShopperAccess.StaffRoles.FirstOrDefault(user.IsInRole) ?? "shopper";
        var subject = AuditLog.SubjectOf(user) ?? user.FindFirstValue(Roles.ClerkIdClaim);
        return subject is null ? role : $"{role}:{subject}";
    }

    internal static async Task<Results<Ok<ConsentResponse>, ProblemHttpResult>> GetConsent(
        string leadId, HttpContext http, ShopperSessions sessions, LeadRepository leads, PeopleStore people, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (_, refused) = await LeadAccess.CheckAsync(leadId, http, sessions, leads, time, cancellationToken);
        if (refused is not null) return refused;
        if (await leads.GetIndexAsync(leadId, cancellationToken) is null) return Problems.NotFound($"No lead '{leadId}' is known.");
        await audit.RecordAsync(http.User, "consent.read", leadId, null, cancellationToken);
        return TypedResults.Ok(await ConsentAsync(leadId, people, cancellationToken));
    }

    /// <summary>
    /// Records a consent choice. The shopper may opt in or out (brand-wide, "all", or of one channel); staff record an
    /// opt-out only (a shopper asked at the till, or by phone): opting back in needs the shopper's own action. An
    /// opt-out of "all" also ends the lead's journeys at every store (their stage becomes opted-out).
    /// </summary>
    internal static async Task<Results<Ok<ConsentResponse>, ProblemHttpResult, ValidationProblem>> PutConsent(
        string leadId, ConsentRequest body, HttpContext http, ShopperSessions sessions, LeadRepository leads, PeopleStore people, JourneyService journeys,
        AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (caller, refused) = await LeadAccess.CheckAsync(leadId, http, sessions, leads, time, cancellationToken);
        if (refused is not null) return refused;
        var v = new Validation();
        if (body.Choice is not ("in" or "out")) v.Add("choice", "choice is \"in\" or \"out\".");
        var channel = body.Channel ?? ConsentState.All;
        if (!ConsentState.Channels.Contains(channel)) v.Add("channel", $"channel is one of {string.Join(", ", ConsentState.Channels)} (default all).");
        if (body.TextVersion is { Length: > 40 }) v.Add("textVersion", "textVersion names the consent text shown, at most 40 characters.");
        if (body.Source is { Length: > 40 }) v.Add("source", "source names the page or place the choice was made, at most 40 characters.");
        if (!v.IsValid) return v.Problem();
        if (caller!.IsStaff && body.Choice == "in")
        {
            return Problems.Forbidden("Only the shopper can opt back in, from their own page (their session); staff can record an opt-out.");
        }
        if (await leads.GetIndexAsync(leadId, cancellationToken) is not { } index) return Problems.NotFound($"No lead '{leadId}' is known.");
        var at = time.GetUtcNow();
        var via = caller.IsStaff ? "staff:" + Actor(http.User) : "page:" + (body.Source ?? "shopper-page");
        var (before, after) = await people.RecordAsync(leadId, new ConsentRecord(body.Choice!, channel, at, via, body.TextVersion), cancellationToken);
        if (after.OptedOut && !before.OptedOut)
        {
            var eventId = $"consent-{at.UtcTicks}";
            await Task.WhenAll(index.StoreIds.Select(s => journeys.RaiseAsync(s, leadId, new OptedOut(at, eventId), cancellationToken)));
        }
        await audit.RecordAsync(http.User, "consent.record", leadId, $"{body.Choice} {channel}", cancellationToken);
        return TypedResults.Ok(await ConsentAsync(leadId, people, cancellationToken));
    }

    private static async Task<ConsentResponse> ConsentAsync(string leadId, PeopleStore people, CancellationToken cancellationToken)
    {
        var state = people.ConsentAsync(leadId, cancellationToken);
        var history = people.HistoryAsync(leadId, cancellationToken);
        return new ConsentResponse(leadId, await state, await history);
    }

    internal sealed record TagsResponse(string LeadId, string StoreId, List<TagMark> Tags);

    /// <summary>choice: "in" or "out"; channel: all (default), wecom or web; textVersion: the consent text shown; source: the page.</summary>
    internal sealed record ConsentRequest(string? Choice, string? Channel, string? TextVersion, string? Source);

    /// <summary>state: now (a lead who never chose agreed by joining: via "join"); history: every choice, oldest first.</summary>
    internal sealed record ConsentResponse(string LeadId, ConsentState State, List<ConsentRecord> History);
}
