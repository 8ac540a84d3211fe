using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.Core.Groups;
using Funnel.Core.Journeys;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class LeadsApi
{
    public static IEndpointRouteBuilder MapLeadsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leads/{leadId}", GetLead).WithName("GetLead").WithTags("Leads")
            .RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store, Roles.Clerk))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// A lead's profile. HQ sees every store the lead belongs to; a store or clerk sees only its own store's
    /// view, and a lead that is not theirs is not found (its existence elsewhere is not revealed).
    /// </summary>
    internal static async Task<Results<Ok<LeadResponse>, ProblemHttpResult>> GetLead(
        string leadId, ClaimsPrincipal user, LeadRepository leads, JourneyRepository journeys, WeCom.DeliveryLedger deliveries, Points.PointsLedger points,
        Audience.AuditLog audit, CancellationToken cancellationToken)
    {
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        var index = await leads.GetIndexAsync(leadId, cancellationToken);
        var visible = index?.StoreIds.ToList() ?? [];
        if (!user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.StoreIdClaim);
            visible = visible.Where(s => s == own).ToList();
        }
        var rows = await Task.WhenAll(visible.Select(s => leads.ReadMemberAsync(s, leadId, cancellationToken)));
        var journeyRows = await Task.WhenAll(visible.Select(s => journeys.ReadAsync(s, leadId, cancellationToken)));
        var messages = await Task.WhenAll(visible.Select(s => deliveries.ForLeadAsync(s, leadId, cancellationToken)));
        var memberships = visible.Zip(rows, journeyRows).Zip(messages).Where(x => x.First.Second is not null)
            .Select(x => (StoreId: x.First.First, Member: x.First.Second!.Value.Member, Journey: x.First.Third?.State, Messages: x.Second)).ToList();
        if (index is null || memberships.Count == 0) return Problems.NotFound($"No lead '{leadId}' is known{(user.IsInRole(Roles.Hq) ? "" : " at your store")}.");

        await audit.RecordAsync(user, "lead.read", leadId, null, cancellationToken);
        var balance = await points.BalanceAsync(leadId, cancellationToken);
        var home = memberships.Find(m => m.StoreId == index.FirstStoreId);
        if (home.Member is null) home = memberships[0];
        var journey = home.Journey;
        return TypedResults.Ok(new LeadResponse(
            leadId,
            home.StoreId,
            home.Member.ClerkId,
            (journey?.Stage ?? JourneyStage.Awareness).Name(),
            [.. memberships.SelectMany(m => m.Member.Tags).Distinct(StringComparer.Ordinal)],
            balance.Balance,
            [.. memberships.SelectMany(m => m.Member.GroupIds.Append(m.Journey?.CohortGroupId).OfType<string>().Select(g => new LeadGroup(m.StoreId, g, TierOf(g))))],
            index.CreatedAt,
            journey?.NextTimerAt,
            journey is null ? [] : [.. journey.Tasks.Select(t => new LeadTask(t.TaskId, t.Kind, t.DueAt, t.Ref, JourneyWrite.OwnerOf(t, journey)))],
            journey is null ? [] : [.. journey.History.Select(h => new LeadHistory(h.At, h.What, h.Stage.Name()))],
            [.. memberships.Select(m => new LeadStore(m.StoreId, m.Member.ClerkId, m.Member.LastClerkId, m.Member.FirstScanAt, m.Member.LastScanAt, m.Member.Tags,
                m.Journey is null ? null : new LeadJourney(m.Journey.Stage.Name(), m.Journey.Version, m.Journey.StartedAt, m.Journey.StageSince, m.Journey.TrialSlot,
                    m.Journey.NextTimerAt, [.. m.Journey.Timers.OrderBy(t => t.DueAt).Select(t => new LeadTimer(TimerName(t.Kind), t.DueAt, t.Ref))]),
                [.. m.Messages.Select(d => new LeadMessage(d.MessageId, d.Template, Kebab(d.Status.ToString()), d.Via, d.Reason, d.At, d.DoneAt))]))]));
    }

    private static string TimerName(TimerKind kind) => Kebab(kind.ToString());

    private static string Kebab(string name) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(name);

    private static string TierOf(string groupId) => Group.TryParseId(groupId, out var tier, out _) ? tier.Name() : "unknown";

    /// <summary>
    /// stage, nextTimerAt, tasks and history: the journey at the lead's home store (the first store it was seen at,
    /// or the only one the caller may see); each store's own journey is under stores[].journey.
    /// </summary>
    internal sealed record LeadResponse(
        string LeadId, string StoreId, string? ClerkId, string Stage, List<string> Tags, long Points,
        List<LeadGroup> Groups, DateTimeOffset? CreatedAt, DateTimeOffset? NextTimerAt, List<LeadTask> Tasks, List<LeadHistory> History,
        List<LeadStore> Stores);

    internal sealed record LeadTask(string TaskId, string Kind, DateTimeOffset DueAt, string? Ref, string? ClerkId);

    internal sealed record LeadHistory(DateTimeOffset At, string What, string Stage);

    internal sealed record LeadJourney(
        string Stage, int Version, DateTimeOffset StartedAt, DateTimeOffset StageSince, DateTimeOffset? TrialSlot, DateTimeOffset? NextTimerAt, List<LeadTimer> Timers);

    internal sealed record LeadTimer(string Kind, DateTimeOffset DueAt, string? Ref);

    internal sealed record LeadGroup(string StoreId, string GroupId, string Tier);

    /// <summary>messages: what the channel did with each journey message to the lead at that store (WeCom only; logged messages leave no record).</summary>
    internal sealed record LeadStore(
        string StoreId, string? ClerkId, string? LastClerkId, DateTimeOffset FirstScanAt, DateTimeOffset LastScanAt, IReadOnlyList<string> Tags, LeadJourney? Journey,
        List<LeadMessage> Messages);

    /// <summary>status: sent, failed or unconfirmed (or sending, while it is); via: welcome-code or message-template; reason: WeCom's, when it failed.</summary>
    internal sealed record LeadMessage(string MessageId, string Template, string Status, string? Via, string? Reason, DateTimeOffset At, DateTimeOffset? DoneAt);
}
