using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Extensions;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core;
using Funnel.Core.Journeys;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

/// <summary>
/// Journey events and the follow-ups they create. Events come from the store's staff (any type) or from the shopper's
/// front end, which holds the lead id (unguessable: a keyed hash) and may send what a shopper does: open content,
/// book a trial, ask a question, opt out, complain. Marking a trial completed or a question answered is staff work.
/// </summary>
internal static class JourneysApi
{
    public const int MaxBodyBytes = 4 * 1024;
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxSlotAhead = TimeSpan.FromDays(90);

    private static readonly string[] ShopperTypes = ["content-opened", "trial-booked", "question-asked", "opted-out", "complaint"];
    private static readonly string[] StaffTypes = ["trial-completed", "question-answered"];
    private static readonly string[] AllTypes = [.. ShopperTypes, .. StaffTypes];

    public static IEndpointRouteBuilder MapJourneysApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/leads/{leadId}/events", PostEvent).WithName("PostJourneyEvent").WithTags("Journeys")
            .AllowAnonymous()
            .RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .WithRequestSizeLimit(MaxBodyBytes);
        app.MapGet("/api/stores/{storeId}/tasks", GetTasks).WithName("GetTasks").WithTags("Journeys")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk);
        return app;
    }

    /// <summary>
    /// Applies one event to the lead's journey at a store: the token's store for staff; for hq or the shopper,
    /// <c>?storeId=</c> or else the store the lead was first seen at. 202 with the stage after it; an event id seen
    /// before changes nothing (<c>applied: false</c>).
    /// </summary>
    internal static async Task<Results<Accepted<EventResponse>, ValidationProblem, ProblemHttpResult>> PostEvent(
        string leadId, string? storeId, EventRequest body, ClaimsPrincipal user, LeadRepository leads, JourneyService journeys,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadRequest("A lead id is 32 lowercase hex characters, as returned by POST /api/scans.");
        var now = time.GetUtcNow();
        var v = new Validation();
        var e = Read(body, now, v);
        if (!v.IsValid || e is null) return v.Problem();

        var staff = user.IsInRole(Roles.Hq) || user.IsInRole(Roles.Store) || user.IsInRole(Roles.Clerk);
        if (!staff && StaffTypes.Contains(body.Type))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Staff only",
                $"'{body.Type}' is recorded by the store's staff: send it with a clerk or store token.");
        }
        if (staff && !user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.StoreIdClaim) ?? "";
            if (storeId is not null && storeId != own) return Problems.Forbidden($"The token is scoped to store '{own}' and cannot reach store '{storeId}'.");
            storeId = own;
        }
        if (storeId is not null && !Ids.IsValid(storeId)) return Problems.BadRequest(Ids.Describe("storeId"));
        storeId ??= (await leads.GetIndexAsync(leadId, cancellationToken))?.FirstStoreId;
        if (storeId is null) return Problems.NotFound($"No lead '{leadId}' is known.");

        var outcome = await journeys.ApplyAsync(storeId, leadId, [e], cancellationToken);
        if (outcome?.After is not { } after)
        {
            return Problems.NotFound($"Lead '{leadId}' has no journey at store '{storeId}' (a journey starts with the lead's first scan there).");
        }
        // A repeated event id is told apart from an event the stage ignores: a client that retried after losing the
        // answer learns its first attempt was applied.
        var duplicate = e.EventId is { } id && outcome.Before is { } before && before.RecentEventIds.Contains(id);
        return TypedResults.Accepted($"/api/leads/{leadId}", new EventResponse(leadId, storeId, after.Stage.Name(), outcome.Changed, duplicate, after.Version, after.NextTimerAt));
    }

    /// <summary>The event a request describes, or null with what is wrong added to <paramref name="v"/>.</summary>
    internal static JourneyEvent? Read(EventRequest body, DateTimeOffset now, Validation v)
    {
        if (string.IsNullOrEmpty(body.Type))
        {
            v.Add("type", $"'type' is required: one of {string.Join(", ", AllTypes)}.");
            return null;
        }
        if (!AllTypes.Contains(body.Type))
        {
            v.Add("type", $"'{body.Type}' is not an event type. Accepted: {string.Join(", ", AllTypes)}.");
            return null;
        }
        v.Id("eventId", body.EventId, required: false);
        var at = body.At ?? now;
        if (at > now + TimeSpan.FromMinutes(5)) v.Add("at", "'at' is in the future; send when the event happened (ISO 8601), or leave it out for now.");
        else if (at < now - MaxEventAge) v.Add("at", $"'at' is more than {MaxEventAge.TotalDays} days ago; events that old are not applied.");
        var questionId = body.Data?.QuestionId;
        if (body.Type is "question-asked" or "question-answered")
        {
            if (questionId is null) v.Add("data.questionId", $"'{body.Type}' needs data.questionId (the question's id, as the front end chose it when it was asked).");
            else if (!Ids.IsValid(questionId)) v.Add("data.questionId", Ids.Describe("data.questionId"));
        }
        var slot = body.Data?.Slot;
        if (body.Type == "trial-booked")
        {
            if (slot is null) v.Add("data.slot", "'trial-booked' needs data.slot: when the trial takes place (ISO 8601).");
            else if (slot <= at) v.Add("data.slot", "'data.slot' must be after the booking.");
            else if (slot > at + MaxSlotAhead) v.Add("data.slot", $"'data.slot' is more than {MaxSlotAhead.TotalDays} days ahead.");
        }
        if (!v.IsValid) return null;
        return body.Type switch
        {
            "content-opened" => new ContentOpened(at, body.EventId),
            "trial-booked" => new TrialBooked(at, slot!.Value, body.EventId),
            "trial-completed" => new TrialCompleted(at, body.EventId),
            "question-asked" => new QuestionAsked(at, questionId!, body.EventId),
            "question-answered" => new QuestionAnswered(at, questionId!, body.EventId),
            "opted-out" => new OptedOut(at, body.EventId),
            "complaint" => new Complained(at, body.EventId),
            _ => throw new InvalidOperationException(body.Type),
        };
    }

    /// <summary>
    /// Open follow-ups in due order. A clerk sees their own; the store and hq see every one, or one clerk's with
    /// <c>?clerkId=</c> (<c>-</c>: the store's own, such as escalations).
    /// </summary>
    internal static async Task<Results<Ok<TasksResponse>, ProblemHttpResult>> GetTasks(
        string storeId, string? clerkId, ClaimsPrincipal user, JourneyRepository journeys, StoreRepository stores, TimeProvider time, CancellationToken cancellationToken)
    {
        if (user.IsInRole(Roles.Clerk) && !user.IsInRole(Roles.Store) && !user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.ClerkIdClaim);
            if (own is null) return Problems.Forbidden("The clerk token carries no clerkId claim, so it has no task list.");
            if (clerkId is not null && clerkId != own) return Problems.Forbidden($"A clerk token sees its own tasks only (clerk '{own}').");
            clerkId = own;
        }
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        if (clerkId is not null && clerkId != JourneyRows.StoreOwner && !Ids.IsValid(clerkId)) return Problems.BadRequest(Ids.Describe("clerkId"));
        var now = time.GetUtcNow();
        var rows = await journeys.ListTasksAsync(storeId, clerkId, cancellationToken);
        return TypedResults.Ok(new TasksResponse(storeId, clerkId, now,
            [.. rows.Select(t => new TaskResponse(t.TaskId, t.LeadId, t.ClerkId, t.Kind, t.DueAt, t.Ref, t.DueAt < now))]));
    }

    internal sealed record EventRequest(string? Type, string? EventId, DateTimeOffset? At, EventData? Data);

    internal sealed record EventData(DateTimeOffset? Slot, string? QuestionId);

    /// <summary><c>applied</c>: the event changed the journey; <c>duplicate</c>: its event id had been applied before (so nothing changed now).</summary>
    internal sealed record EventResponse(string LeadId, string StoreId, string Stage, bool Applied, bool Duplicate, int Version, DateTimeOffset? NextTimerAt);

    internal sealed record TasksResponse(string StoreId, string? ClerkId, DateTimeOffset AsOf, List<TaskResponse> Tasks);

    internal sealed record TaskResponse(string TaskId, string LeadId, string? ClerkId, string Kind, DateTimeOffset DueAt, string? Ref, bool Overdue);
}
