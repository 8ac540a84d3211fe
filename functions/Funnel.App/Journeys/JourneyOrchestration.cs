using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Funnel.Core.Journeys;

namespace Funnel.App.Journeys;

/// <summary>
/// One lead's journey at one store on the Durable Task Framework: a thin, deterministic loop around
/// <see cref="Journey.Decide"/>. It waits for the next event (raised as <see cref="EventName"/>) or the journey's next
/// timer (a durable timer, chained in hops of at most <see cref="MaxTimerHop"/>), decides, and hands the decided step to
/// the <see cref="CommitJourneyStep"/> activity, which writes it exactly once and sends its messages. The state it goes
/// on with is the one the activity answers (recorded in the history), so a replay never depends on re-deciding.
/// Every few passes (events and timers taken: <see cref="JourneyInput.StepsPerGeneration"/>, from
/// <c>Journeys:StepsPerGeneration</c>) it continues as new with its state, which keeps the history short however long
/// the journey lives. A journey that ended (converted, dormant, opted out) keeps waiting for a scan that
/// may start it again; it costs nothing while it waits.
/// </summary>
internal sealed class JourneyOrchestration : TaskOrchestration<string, string, string, string>
{
    public const string Name = "Journey";
    public const string Version = "1";
    public const string EventName = "journey-event";

    /// <summary>Passes of the loop (an event or a timer taken, each about 8 history rows) before the history is cut with ContinueAsNew, unless configured.</summary>
    public const int DefaultStepsPerGeneration = 16;

    /// <summary>The passes the next generation takes (a generation keeps the count it started with, so a replay never moves its cut).</summary>
    private readonly int _nextStepsPerGeneration;

    public JourneyOrchestration(int stepsPerGeneration = DefaultStepsPerGeneration) => _nextStepsPerGeneration = stepsPerGeneration;

    /// <summary>Storage queues hide a message for at most 7 days: a longer wait is a chain of timers.</summary>
    public static readonly TimeSpan MaxTimerHop = TimeSpan.FromDays(6);

    /// <summary>A step whose commit keeps failing is retried with back-off (10 tries over about 6 minutes), then given up.</summary>
    public static readonly RetryOptions CommitRetry = new(TimeSpan.FromSeconds(5), 10) { BackoffCoefficient = 1.5, MaxRetryInterval = TimeSpan.FromMinutes(10) };

    private readonly EventInbox<JourneyEventMessage> _events = new();
    private readonly List<EventOutcome> _outcomes = [];
    private JourneyState? _state;
    private readonly List<PendingTimer> _timers = [];

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = JourneyJson.Read<JourneyInput>(input);
        var clock = start.Clock;
        var rules = start.Rules;
        _state = start.State;
        foreach (var pending in start.Pending) _events.Add(pending);
        _outcomes.AddRange(start.Outcomes ?? []);
        var stepsPerGeneration = start.StepsPerGeneration ?? DefaultStepsPerGeneration;

        for (var steps = 0; ; steps++)
        {
            IReadOnlyList<JourneyEvent> events;
            string? eventId = null;
            if (_events.Count == 0)
            {
                // The cut waits for a moment no durable timer of this generation is still set (every one fired). The engine
                // completes an execution only once none of its tasks is open: cut earlier, and the journey (with the events
                // sent to it) would wait for that timer; and with extended sessions the engine then forgets the
                // ContinueAsNew and completes the journey for good (seen on DurableTask.Core 3.11.2).
                if (steps >= stepsPerGeneration && _timers.TrueForAll(t => t.Fired.IsCompleted))
                {
                    context.ContinueAsNew(Version, JourneyJson.Write(start with
                    {
                        Rules = rules, State = _state, Pending = [], Outcomes = [.. _outcomes], StepsPerGeneration = _nextStepsPerGeneration,
                    }));
                    return "";
                }
                var fired = await NextAsync(context, clock);
                if (fired is null) continue; // an event arrived, or a hop of a long wait ended
                events = fired;
            }
            else if (_events.Take().ToEvent() is { } e)
            {
                events = [e];
                eventId = e.EventId;
            }
            else
            {
                continue; // not an event this code knows: dropped
            }

            rules = await ApplyAsync(context, start, rules, events, eventId);
        }
    }

    /// <summary>
    /// Decides and commits one step. When the activity finds another step of that version written (one whose commit
    /// was given up after storage took it), the journey takes the stored state and decides once more from it.
    /// Returns the rules to go on with.
    /// </summary>
    private async Task<JourneyRules> ApplyAsync(OrchestrationContext context, JourneyInput start, JourneyRules rules, IReadOnlyList<JourneyEvent> events, string? eventId)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var step = JourneyStep.Decide(_state, events, rules.Policy(), start.LeadId, start.StoreId);
            if (step is null)
            {
                Record(eventId, _state?.RecentEventIds.Contains(eventId ?? "") == true ? "duplicate" : "ignored");
                return rules;
            }
            CommitStepResult? result;
            try
            {
                var input = JourneyJson.Write(new CommitStepInput(start.StoreId, step.ForCommit()));
                var receipt = CommitStepInput.ReceiptOf(input);
                result = await context.CallAsync(CommitJourneyStep.Name, CommitJourneyStep.Version, input, answer => CommitStepResult.Answering(answer, receipt));
            }
            catch (TaskFailedException)
            {
                // Storage refused the step for good: the journey goes on from the state last written (so what is recorded
                // and what the orchestration believes never part), less the timers that fired, or it would fire them again
                // at once, for ever.
                var fired = events.OfType<TimerFired>().Select(t => t.Timer).ToHashSet();
                if (_state is not null && fired.Count > 0) _state = _state with { Timers = [.. _state.Timers.Where(t => !fired.Contains(t))] };
                Record(eventId, "failed");
                return rules;
            }
            if (result is null) break; // only answers meant for other tasks: given up as failed
            _state = result.State;
            rules = result.Rules;
            if (!result.Conflict)
            {
                Record(eventId, "applied");
                return rules;
            }
        }
        Record(eventId, "failed");
        return rules;
    }

    /// <summary>
    /// Waits for an event or the next timer. Returns the timers that fired (as events, in due order), or null when an
    /// event arrived first or the timer was only a hop of a longer wait.
    /// </summary>
    /// <remarks>
    /// A durable timer cannot be cancelled: one left behind by an event still fires later and costs the engine a pass
    /// (a history read and write) that does nothing. So a wait for the same moment as a timer already set (the
    /// next one again after an event that did not move it) reuses that timer.
    /// </remarks>
    private async Task<IReadOnlyList<JourneyEvent>?> NextAsync(OrchestrationContext context, JourneyClock clock)
    {
        var next = _state?.NextTimer;
        var arrived = _events.WhenAny();
        if (next is null)
        {
            await arrived;
            return null;
        }
        var due = clock.ToReal(next.DueAt).UtcDateTime;
        var hop = context.CurrentUtcDateTime + MaxTimerHop;
        var fireAt = due < hop ? due : hop;
        _timers.RemoveAll(t => t.Fired.IsCompleted && t.FireAt != fireAt); // fired while the journey was busy: spent
        var set = _timers.Find(t => t.FireAt == fireAt);
        if (set is null)
        {
            set = new PendingTimer(fireAt, context.CreateTimer(fireAt, next.Kind.ToString()));
            _timers.Add(set);
        }
        AwaitedTimer = fireAt;
        var won = await Task.WhenAny(set.Fired, arrived);
        AwaitedTimer = null;
        if (won != set.Fired) return null;
        _timers.Remove(set);
        // Fired. The engine's timer message becomes visible on a whole second, so it can come up to a second early (hours,
        // on a scaled clock): the timer the journey set is then taken as due, not waited for again. A hop is only a hop.
        // Earlier than that it was not this timer but an answer meant for another task (see EngineCalls): nothing is due
        // yet, and the journey sets the timer again.
        var appNow = clock.ToApp(new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero));
        if (fireAt == due && appNow < next.DueAt && context.CurrentUtcDateTime >= fireAt - TimerEarliness) appNow = next.DueAt;
        var dueTimers = _state!.DueTimers(appNow);
        return dueTimers.Count == 0 ? null : [.. dueTimers.Select(t => new TimerFired(appNow, t))];
    }

    /// <summary>How early the engine can fire a timer (its message becomes visible on a whole second).</summary>
    private static readonly TimeSpan TimerEarliness = TimeSpan.FromSeconds(2);

    /// <summary>When the durable timer the journey waits on fires (real time), while it waits on one: for tests and diagnostics.</summary>
    internal DateTime? AwaitedTimer { get; private set; }

    /// <summary>A durable timer the journey set, and the real moment it was set for.</summary>
    private sealed record PendingTimer(DateTime FireAt, Task Fired);

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name != EventName || string.IsNullOrEmpty(input)) return;
        try
        {
            _events.Add(JourneyJson.Read<JourneyEventMessage>(input));
        }
        catch (System.Text.Json.JsonException)
        {
            return; // not a journey event: dropped (the API validates what it raises)
        }
    }

    private void Record(string? eventId, string outcome)
    {
        if (eventId is null) return;
        _outcomes.Add(new EventOutcome(eventId, outcome));
        if (_outcomes.Count > JourneyStatus.OutcomesKept) _outcomes.RemoveAt(0);
    }

    /// <summary>The engine's custom status: the stage, the step version and what the latest events came to.</summary>
    public override string OnGetStatus() => JourneyJson.Write(new JourneyStatus(_state?.Stage.Name() ?? "starting", _state?.Version ?? 0, _outcomes));
}
