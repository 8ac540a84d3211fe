using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.Core.Journeys;

/// <summary>
/// Events for one lead's journey at a store, with the journey as last read (<paramref name="Stored"/> null: no
/// journey row exists).
/// </summary>
public sealed record JourneyInput(string LeadId, JourneyState? Stored, IReadOnlyList<JourneyEvent> Events);

/// <summary>
/// What a batch does to one journey: the state as stored before and after, and the messages to send once that is
/// durable (the outbox). Its rows: the journey row; an outbox row when there are messages; one row per task opened
/// or closed; the due-index row moved when the next timer moved.
/// </summary>
public sealed record JourneyWrite(string LeadId, JourneyState? Stored, JourneyState After, IReadOnlyList<SendMessage> Messages)
{
    public IReadOnlyList<(string? Owner, ClerkTask Task)> TasksOpened => Diff(After, Stored);

    public IReadOnlyList<(string? Owner, ClerkTask Task)> TasksClosed => Stored is null ? [] : Diff(Stored, After);

    public bool DueMoved => Stored?.NextTimerAt != After.NextTimerAt;

    public int Actions =>
        1 + (Messages.Count > 0 ? 1 : 0) + TasksOpened.Count + TasksClosed.Count
        + (DueMoved ? (Stored?.NextTimerAt is null ? 0 : 1) + (After.NextTimerAt is null ? 0 : 1) : 0);

    /// <summary>Whose list a task is on: the store's own (null) or the journey's clerk's.</summary>
    public static string? OwnerOf(ClerkTask task, JourneyState state) => task.ForStore ? null : state.ClerkId;

    private static List<(string?, ClerkTask)> Diff(JourneyState from, JourneyState? without)
    {
        var other = without?.Tasks.Select(t => (OwnerOf(t, without), t)).ToHashSet() ?? [];
        // Distinct: one row per task, even if a state ever listed a task twice (a transaction may not hold a row twice).
        return [.. from.Tasks.Select(t => (OwnerOf(t, from), t)).Where(x => !other.Contains(x)).Distinct()];
    }
}

/// <summary>What one input came to: the journey before and after its events, and every effect they asked for.</summary>
public sealed record JourneyOutcome(string LeadId, JourneyState? Before, JourneyState? After, IReadOnlyList<JourneyEffect> Effects)
{
    public bool Changed => !ReferenceEquals(Before, After);
}

public sealed record JourneyPlan(
    IReadOnlyList<JourneyOutcome> Results,
    int Accepted,
    IReadOnlyList<JourneyWrite> Writes,
    IReadOnlyList<Group> ChangedGroups,
    IReadOnlyDictionary<CounterKey, FunnelCounts> CounterDeltas,
    int ActionCount) : IStorePlan
{
    public IReadOnlyList<MemberWrite> MemberWrites => [];
}

/// <summary>
/// Applies journey events at one store as a pure function, batching them into one transaction's worth of writes:
/// <see cref="Journey.Decide"/> per event (a lead's events in order, the state carried from one to the next), the
/// counts the effects name on the clerk's row of the effect's local day, a trial-cohort seat for
/// <see cref="JoinGroup"/>, and the rows each journey changes (<see cref="JourneyWrite"/>). An input whose writes
/// would not fit waits for the next transaction; the caller must refuse a first input that does not fit alone
/// (<see cref="JourneyPlan.Accepted"/> 0).
/// </summary>
public static class JourneyPlanner
{
    public static JourneyPlan Plan(
        StorePolicy storePolicy,
        JourneyPolicy policy,
        IReadOnlyList<Group> groups,
        string storeId,
        IReadOnlyList<JourneyInput> inputs,
        int maxActions = ScanPlanner.MaxTransactionActions)
    {
        ArgumentNullException.ThrowIfNull(storePolicy);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(inputs);

        var writes = new StoreWriteSet(groups);
        var journeys = new Dictionary<string, JourneyWrite>(StringComparer.Ordinal);
        var results = new List<JourneyOutcome>(inputs.Count);
        foreach (var input in inputs)
        {
            var earlier = journeys.GetValueOrDefault(input.LeadId);
            var before = earlier is null ? input.Stored : earlier.After;
            var state = before;
            var effects = new List<JourneyEffect>();
            foreach (var e in input.Events)
            {
                var (next, made) = Journey.Decide(state, e, policy, input.LeadId, storeId);
                state = next;
                effects.AddRange(made);
            }

            Group? seat = null;
            if (state is not null && effects.OfType<JoinGroup>().Any(j => j.Tier == "small") && state.CohortGroupId is null)
            {
                seat = writes.NewSeat(GroupTier.Small, storePolicy);
                state = state with
                {
                    CohortGroupId = seat?.GroupId,
                    History = [.. state.History.Append(new JourneyHistoryEntry(state.StageSince,
                        seat is null ? "no trial cohort seat: every cohort is full" : $"seated in trial cohort {seat.GroupId}", state.Stage)).TakeLast(JourneyState.HistoryLimit)],
                };
            }

            if (state is null || ReferenceEquals(state, before))
            {
                results.Add(new JourneyOutcome(input.LeadId, before, before, effects));
                continue;
            }

            var deltas = effects.OfType<CountMetric>()
                .Select(m => (Metric: m, Counts: FunnelCounts.OfMetric(m.Metric)))
                .Where(m => m.Counts is not null)
                .Select(m => (Key: new CounterKey(storePolicy.LocalDay(m.Metric.At), m.Metric.ClerkId), Delta: m.Counts!.Value))
                .ToList();
            var write = new JourneyWrite(input.LeadId, earlier?.Stored ?? input.Stored, state,
                [.. earlier?.Messages ?? [], .. effects.OfType<SendMessage>()]);
            var actions = writes.ActionsFor(write.Actions - (earlier?.Actions ?? 0), null, seat, deltas.Select(d => d.Key));
            if (!writes.Fits(actions, maxActions)) break;

            writes.Apply(actions, null, MemberWriteKind.Update, seat, deltas);
            journeys[input.LeadId] = write;
            results.Add(new JourneyOutcome(input.LeadId, before, state, effects));
        }
        return new JourneyPlan(results, results.Count, [.. journeys.Values], writes.ChangedGroups, writes.Counters, writes.Actions);
    }
}
