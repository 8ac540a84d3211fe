using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.Core.Codes;
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
/// front end, with the session its scan answered (<see cref="ShopperAccess"/>), which may send what a shopper does:
/// open content, book a trial, ask a question, opt out, complain; stamped with the server's time. Marking a trial
/// completed or a question answered is staff work.
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
            .WithRequestSizeLimit(MaxBodyBytes)
            .RequireStaffOrShopperSession()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/leads/{leadId}/stores/{storeId}/journey/events/{eventId}", GetEventOutcome).WithName("GetJourneyEventOutcome").WithTags("Journeys")
            .AllowAnonymous()
            .RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .RequireStaffOrShopperSession()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/leads/{leadId}/stores/{storeId}/journey/history", GetHistory).WithName("GetJourneyHistory").WithTags("Journeys")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/stores/{storeId}/tasks", GetTasks).WithName("GetTasks").WithTags("Journeys")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// Raises one event to the lead's journey at a store: the session's store for the shopper, the token's for
    /// store staff; for hq, <c>?storeId=</c> or else the store the lead was first seen at. 202 once the event is durably
    /// queued for the journey, with its event id (the client's, or a new one) and where to see the outcome. The journey
    /// applies an event id once, however often it is sent.
    /// </summary>
    internal static async Task<Results<Accepted<EventResponse>, ValidationProblem, ProblemHttpResult>> PostEvent(
        string leadId, string? storeId, EventRequest body, HttpContext http, ShopperSessions sessions, LeadRepository leads, JourneyService journeys,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        var now = time.GetUtcNow();
        var (caller, refused) = ShopperAccess.Check(http, sessions, now, leadId, storeId);
        if (refused is not null) return refused;
        if (!caller!.IsStaff && StaffTypes.Contains(body.Type))
        {
            return Problems.Forbidden($"'{body.Type}' is recorded by the store's staff: send it with a clerk or store token.");
        }
        var v = new Validation();
        var e = Read(body with { EventId = body.EventId ?? Guid.NewGuid().ToString("N") }, now, v, caller.IsStaff);
        if (!v.IsValid || e is null) return v.Problem();

        storeId = caller.StoreId ?? (await leads.GetIndexAsync(leadId, cancellationToken))?.FirstStoreId;
        if (storeId is null) return Problems.NotFound($"No lead '{leadId}' is known.");
        // The membership exists only once the journey does (a scan starts the journey before it seats the lead).
        if (!await leads.IsMemberAsync(storeId, leadId, cancellationToken))
        {
            return Problems.NotFound($"Lead '{leadId}' has no journey at store '{storeId}' (a journey starts with the lead's first scan there).");
        }

        await journeys.RaiseAsync(storeId, leadId, e, cancellationToken);
        return TypedResults.Accepted(EventUrl(leadId, storeId, e.EventId!), new EventResponse(leadId, storeId, e.EventId!, body.Type!, "accepted"));
    }

    internal static string EventUrl(string leadId, string storeId, string eventId) => $"/api/leads/{leadId}/stores/{storeId}/journey/events/{Uri.EscapeDataString(eventId)}";

    /// <summary>
    /// What an event raised to the journey came to: <c>pending</c> until the journey took it, then <c>applied</c>,
    /// <c>ignored</c> (the stage did not take it), <c>duplicate</c> or <c>failed</c>; with the journey's stage and
    /// step version. The journey keeps the outcomes of its latest 32 events with ids. Whoever may send the event may
    /// ask: the shopper with their session, the store's staff.
    /// </summary>
    internal static async Task<Results<Ok<EventOutcomeResponse>, ProblemHttpResult>> GetEventOutcome(
        string leadId, string storeId, string eventId, HttpContext http, ShopperSessions sessions, TimeProvider time, JourneyService journeys,
        CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        if (ShopperAccess.Check(http, sessions, time.GetUtcNow(), leadId, storeId).Refused is { } refused) return refused;
        if (!Ids.IsValid(eventId)) return Problems.BadRequest(Ids.Describe("eventId"));
        if (await journeys.StatusAsync(storeId, leadId, cancellationToken) is not { } status)
        {
            return Problems.NotFound($"Lead '{leadId}' has no journey at store '{storeId}'.");
        }
        var outcome = status.Events.LastOrDefault(o => o.EventId == eventId)?.Outcome ?? "pending";
        return TypedResults.Ok(new EventOutcomeResponse(leadId, storeId, eventId, outcome, status.Stage, status.Version));
    }

    /// <summary>
    /// The journey's history as the engine recorded it (its current generation) with its runtime status and stage:
    /// hq, and the staff of that store.
    /// </summary>
    internal static async Task<Results<Ok<JourneyEngineHistory>, ProblemHttpResult>> GetHistory(
        string leadId, string storeId, JourneyService journeys, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        if (!Ids.IsValid(storeId)) return Problems.BadRequest(Ids.Describe("storeId"));
        var history = await journeys.HistoryAsync(storeId, leadId, cancellationToken);
        return history is null
            ? Problems.NotFound($"Lead '{leadId}' has no journey at store '{storeId}'.")
            : TypedResults.Ok(history);
    }

    /// <summary>
    /// The event a request describes, or null with what is wrong added to <paramref name="v"/>. A shopper's event
    /// happens when it arrives: only staff may say when (<c>at</c>, up to <see cref="MaxEventAge"/> ago).
    /// </summary>
    internal static JourneyEvent? Read(EventRequest body, DateTimeOffset now, Validation v, bool byStaff = true)
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
        if (!byStaff && body.At is not null) v.Add("at", "'at' is for staff: a shopper's event is stamped with the time it arrives. Leave it out.");
        var at = body.At ?? now;
        if (at > now + TimeSpan.FromMinutes(5)) v.Add("at", "'at' is in the future; send when the event happened (ISO 8601), or leave it out for now.");
        else if (at < now - MaxEventAge) v.Add("at", $"'at' is more than {MaxEventAge.TotalDays} days ago; events that old are not applied.");
        var questionId = body.Data?.QuestionId;
        if (body.Type is "question-asked" or "question-answered" && questionId is null)
        {
            v.Add("data.questionId", $"'{body.Type}' needs data.questionId (the question's id, as the front end chose it when it was asked).");
        }
        else if (questionId is not null && !Ids.IsValid(questionId)) v.Add("data.questionId", Ids.Describe("data.questionId"));
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
            "complaint" => new Complained(at, body.EventId, questionId),
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

    /// <summary>The event is queued for the journey (<c>status</c> "accepted"); the journey's history shows what it did.</summary>
    internal sealed record EventResponse(string LeadId, string StoreId, string EventId, string Type, string Status);

    internal sealed record EventOutcomeResponse(string LeadId, string StoreId, string EventId, string Outcome, string Stage, int Version);

    internal sealed record TasksResponse(string StoreId, string? ClerkId, DateTimeOffset AsOf, List<TaskResponse> Tasks);

    internal sealed record TaskResponse(string TaskId, string LeadId, string? ClerkId, string Kind, DateTimeOffset DueAt, string? Ref, bool Overdue);
}
