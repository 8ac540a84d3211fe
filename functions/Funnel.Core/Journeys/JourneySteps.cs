using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.Core.Journeys;

/// <summary>
/// One decided step of a lead's journey at a store: the journey before and after the events the step applied, and
/// the effects to make real. The orchestration decides it; the commit activity writes it (state, tasks, counts,
/// cohort seat) in one transaction and sends its messages. <see cref="Version"/> names the step: the journey row
/// records the last version applied, so the same step written twice changes nothing.
/// </summary>
public sealed record JourneyStep(
    string LeadId,
    JourneyState? Before,
    JourneyState After,
    IReadOnlyList<SendMessage> Messages,
    IReadOnlyList<CountMetric> Metrics,
    bool JoinsCohort)
{
    public int Version => After.Version;

    /// <summary>
    /// The step as its commit needs it: the journey before reduced to what the commit reads of it (the clerk and tasks
    /// it diffs against <see cref="After"/>). The engine records the commit's input in the journey's history with every
    /// step, so what is left out here is read and written the fewer times there.
    /// </summary>
    public JourneyStep ForCommit() => Before is null ? this : this with
    {
        Before = Before with { Timers = [], MessagesByDay = new Dictionary<DateOnly, int>(), RecentEventIds = [], History = [] },
    };

    /// <summary>
    /// Applies <paramref name="events"/> in order with <see cref="Journey.Decide"/>. Null when they change nothing
    /// (a repeated event id, a timer no longer listed, an event the stage ignores).
    /// </summary>
    public static JourneyStep? Decide(JourneyState? state, IEnumerable<JourneyEvent> events, JourneyPolicy policy, string leadId, string storeId)
    {
        ArgumentNullException.ThrowIfNull(events);
        var before = state;
        var effects = new List<JourneyEffect>();
        foreach (var e in events)
        {
            var (next, made) = Journey.Decide(state, e, policy, leadId, storeId);
            state = next;
            effects.AddRange(made);
        }
        if (state is null || state.Version == before?.Version) return null; // Decide moves the version on with every change
        return new JourneyStep(leadId, before, state, [.. effects.OfType<SendMessage>()], [.. effects.OfType<CountMetric>()],
            state.CohortGroupId is null && effects.OfType<JoinGroup>().Any(j => j.Tier == GroupTier.Small.Name()));
    }

    /// <summary>The journey once its trial-cohort seat is known (null: every cohort was full), with a history line saying so.</summary>
    public static JourneyState WithCohort(JourneyState state, string? groupId)
    {
        ArgumentNullException.ThrowIfNull(state);
        var line = new JourneyHistoryEntry(state.StageSince, groupId is null ? "no trial cohort seat: every cohort is full" : $"seated in trial cohort {groupId}", state.Stage);
        return state with { CohortGroupId = groupId, History = [.. state.History.Append(line).TakeLast(JourneyState.HistoryLimit)] };
    }
}

/// <summary>
/// The rows a step writes in the store's partition besides counters and groups: the journey row, and one row per task
/// opened or closed (task rows are keyed by owner and due time, so a clerk's list is one range read).
/// </summary>
public sealed record JourneyWrite(string LeadId, JourneyState? Stored, JourneyState After)
{
    public IReadOnlyList<(string? Owner, ClerkTask Task)> TasksOpened => Diff(After, Stored);

    public IReadOnlyList<(string? Owner, ClerkTask Task)> TasksClosed => Stored is null ? [] : Diff(Stored, After);

    public int Actions => 1 + TasksOpened.Count + TasksClosed.Count;

    /// <summary>Whose list a task is on: the store's own (null) or the journey's clerk's.</summary>
    public static string? OwnerOf(ClerkTask task, JourneyState state) => task.ForStore ? null : state.ClerkId;

    private static List<(string?, ClerkTask)> Diff(JourneyState from, JourneyState? without)
    {
        var other = without?.Tasks.Select(t => (OwnerOf(t, without), t)).ToHashSet() ?? [];
        // Distinct: one row per task, even if a state ever listed a task twice (a transaction may not hold a row twice).
        return [.. from.Tasks.Select(t => (OwnerOf(t, from), t)).Where(x => !other.Contains(x)).Distinct()];
    }
}

public sealed record JourneyStepPlan(
    int Accepted,
    IReadOnlyList<JourneyWrite> Writes,
    IReadOnlyList<Group> ChangedGroups,
    IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas,
    int ActionCount) : IStorePlan
{
    public IReadOnlyList<MemberWrite> MemberWrites => [];
}

/// <summary>
/// Steps of several journeys at one store as one transaction's writes, a pure function: each step's counts on the
/// clerk's row of the metric's local day, a trial-cohort seat for a step that joins one, and its journey and task rows.
/// Steps are taken in order while they fit; the caller must refuse a first step that does not fit alone
/// (<see cref="JourneyStepPlan.Accepted"/> 0).
/// </summary>
public static class JourneyStepPlanner
{
    public static JourneyStepPlan Plan(StorePolicy storePolicy, IReadOnlyList<Group> groups, IReadOnlyList<JourneyStep> steps, int maxActions)
    {
        ArgumentNullException.ThrowIfNull(storePolicy);
        ArgumentNullException.ThrowIfNull(steps);
        var writes = new StoreWriteSet(groups);
        var planned = new List<JourneyWrite>(steps.Count);
        foreach (var step in steps)
        {
            var after = step.After;
            Group? seat = null;
            if (step.JoinsCohort)
            {
                seat = writes.NewSeat(GroupTier.Small, storePolicy);
                after = JourneyStep.WithCohort(after, seat?.GroupId);
            }
            var deltas = step.Metrics
                .Select(m => (Key: new CounterKey(storePolicy.LocalDay(m.At), m.ClerkId), Delta: FunnelCounts.Of(m.Metric)))
                .ToList();
            var write = new JourneyWrite(step.LeadId, step.Before, after);
            var actions = writes.ActionsFor(write.Actions, null, seat, deltas.Select(d => d.Key));
            if (!writes.Fits(actions, maxActions)) break;
            writes.Apply(actions, null, MemberWriteKind.Update, seat, deltas);
            planned.Add(write);
        }
        return new JourneyStepPlan(planned.Count, planned, writes.ChangedGroups, writes.Counters, writes.Actions);
    }
}
