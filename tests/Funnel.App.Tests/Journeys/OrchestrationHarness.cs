using System.Globalization;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Funnel.App.Journeys;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using Moq;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// Runs a <see cref="JourneyOrchestration"/> by hand over a strict mock of the engine's <see cref="OrchestrationContext"/>:
/// every activity and durable timer it asks for is recorded with a <see cref="TaskCompletionSource{TResult}"/> the test
/// completes, and the orchestration's clock (<see cref="Now"/>) moves only when the test moves it. With no
/// synchronization context, completing a task runs the orchestration inline up to its next wait, so what it asked for
/// is on the lists as soon as the call returns.
/// </summary>
internal sealed class OrchestrationHarness
{
    /// <summary>A Monday, 10:00 UTC: outside the default quiet hours (21:00–09:00).</summary>
    public static readonly DateTimeOffset T0 = new(2025, 3, 3, 10, 0, 0, TimeSpan.Zero);

    public static readonly JourneyRules Defaults = new("UTC", JourneySettings.Defaults);

    /// <summary>The timers a journey started at <see cref="T0"/> with the default rules waits for.</summary>
    public static readonly string[] NewJourneyTimers =
        [Timer(TimerKind.AwarenessContent, T0.AddDays(1), "1"), Timer(TimerKind.AwarenessContent, T0.AddDays(3), "2"),
         Timer(TimerKind.TrialFollowUp, T0.AddDays(7)), Timer(TimerKind.Dormancy, T0.AddDays(14))];

    public JourneyOrchestration Orchestration { get; }
    private Task<string>? _run;

    /// <param name="now">The engine's clock to start with (default <see cref="T0"/>).</param>
    /// <param name="nextStepsPerGeneration">What the app is configured with: the passes of the generation after this one.</param>
    public OrchestrationHarness(DateTimeOffset? now = null, int nextStepsPerGeneration = JourneyOrchestration.DefaultStepsPerGeneration)
    {
        Orchestration = new JourneyOrchestration(nextStepsPerGeneration);
        SynchronizationContext.SetSynchronizationContext(null); // xunit's context would post continuations: keep them inline
        Now = (now ?? T0).UtcDateTime;
        Context.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
        Context.Setup(c => c.ScheduleWithRetry<string>(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<RetryOptions>(), It.IsAny<object[]>()))
            .Returns((string name, string version, RetryOptions retry, object[] args) =>
            {
                var activity = new Activity(name, version, retry, args, new TaskCompletionSource<string>());
                Activities.Add(activity);
                return activity.Answer.Task;
            });
        Context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<string>()))
            .Returns((DateTime fireAt, string state) =>
            {
                var timer = new DurableTimer(fireAt, state, new TaskCompletionSource<string>());
                Timers.Add(timer);
                return timer.Fired.Task;
            });
        Context.Setup(c => c.ContinueAsNew(It.IsAny<string>(), It.IsAny<object>()))
            .Callback((string version, object input) =>
            {
                // The engine completes a generation only once none of its tasks is open: a cut with a timer still set hangs.
                if (Unfired.Count > 0) throw new InvalidOperationException($"ContinueAsNew with {Unfired.Count} durable timer(s) still set: the engine would not complete the generation.");
                ContinuedAsNew.Add((version, input));
            });
    }

    public Mock<OrchestrationContext> Context { get; } = new(MockBehavior.Strict);

    /// <summary>The engine's current time (real time, UTC), as <c>context.CurrentUtcDateTime</c> answers it.</summary>
    public DateTime Now { get; set; }

    public List<Activity> Activities { get; } = [];

    public List<DurableTimer> Timers { get; } = [];

    public List<(string Version, object Input)> ContinuedAsNew { get; } = [];

    /// <summary>The rules the commit activity answers with (null: the ones the journey started with).</summary>
    public JourneyRules? AnswerRules { get; set; }

    public JourneyInput? Input { get; private set; }

    public Task<string> Run => _run ?? throw new InvalidOperationException("Not started.");

    public Activity LastActivity => Assert.IsType<Activity>(Activities.LastOrDefault());

    public DurableTimer LastTimer => Assert.IsType<DurableTimer>(Timers.LastOrDefault());

    public static JourneyEventMessage Scan(DateTimeOffset at, string eventId = "scan:1") => new("scanned", at, eventId, ClerkId: "c1");

    /// <summary>The passes the generation the test starts takes (null: the input says nothing, as inputs written before the setting).</summary>
    public int? StepsPerGeneration { get; init; }

    public void Start(JourneyState? state, JourneyRules? rules = null, JourneyClock? clock = null, params JourneyEventMessage[] pending)
    {
        Input = new JourneyInput("s1", "lead-1", clock ?? JourneyClock.RealTime, rules ?? Defaults, state, pending, StepsPerGeneration: StepsPerGeneration);
        _run = Orchestration.RunTask(Context.Object, JourneyJson.Write(Input));
        Check();
    }

    /// <summary>A new journey from its first scan at <paramref name="at"/> (default <see cref="T0"/>), committed.</summary>
    public JourneyStep StartNew(DateTimeOffset? at = null, JourneyRules? rules = null)
    {
        Start(null, rules, null, Scan(at ?? T0));
        return Commit();
    }

    /// <summary>A harness whose journey started at <see cref="T0"/> (its first step committed).</summary>
    public static OrchestrationHarness Started(JourneyRules? rules = null)
    {
        var h = new OrchestrationHarness();
        h.StartNew(rules: rules);
        return h;
    }

    /// <summary>The durable timers set and not fired yet, earliest first (the engine cannot cancel one).</summary>
    public IReadOnlyList<DurableTimer> Unfired => [.. Timers.Where(t => !t.Fired.Task.IsCompleted).OrderBy(t => t.FireAt)];

    /// <summary>Asserts the journey waits for a durable timer at <paramref name="fireAt"/> for a timer of <paramref name="kind"/>: the one it set (or reused) last.</summary>
    public void Waits(DateTimeOffset fireAt, TimerKind kind)
    {
        var timer = Awaited();
        Assert.Equal((fireAt.UtcDateTime, kind.ToString()), (timer.FireAt, timer.State));
    }

    public void Raise(JourneyEventMessage message)
    {
        Orchestration.OnEvent(Context.Object, JourneyOrchestration.EventName, JourneyJson.Write(message));
        Check();
    }

    public void Raise(string type, DateTimeOffset at, string? eventId = null) => Raise(new JourneyEventMessage(type, at, eventId));

    /// <summary>Raises an event that makes exactly one step, and commits it.</summary>
    public JourneyStep Apply(JourneyEventMessage message)
    {
        var before = Activities.Count;
        Raise(message);
        Assert.Equal(before + 1, Activities.Count);
        return Commit();
    }

    public JourneyStep Apply(string type, DateTimeOffset at, string? eventId = null) => Apply(new JourneyEventMessage(type, at, eventId));

    /// <summary>
    /// Answers the pending commit as the activity does: the step's after-state (seated in <paramref name="cohort"/> when
    /// the step joins one) and the store's rules. Returns the step.
    /// </summary>
    public JourneyStep Commit(string? cohort = "g1")
    {
        var activity = Pending();
        var step = activity.Step;
        var state = step.JoinsCohort ? JourneyStep.WithCohort(step.After, cohort) : step.After;
        activity.Answer.SetResult(JourneyJson.Write(new CommitStepResult(state, AnswerRules ?? Input!.Rules, false, For: CommitStepInput.ReceiptOf(activity.InputJson))));
        Check();
        return step;
    }

    /// <summary>Answers the pending commit as the activity does when another step of its version was written: the journey as <paramref name="stored"/>.</summary>
    public void Conflict(JourneyState stored)
    {
        var activity = Pending();
        activity.Answer.SetResult(JourneyJson.Write(new CommitStepResult(stored, AnswerRules ?? Input!.Rules, false, Conflict: true, For: CommitStepInput.ReceiptOf(activity.InputJson))));
        Check();
    }

    /// <summary>Completes the pending commit with <paramref name="answer"/> as the engine hands it over, whatever it is.</summary>
    public void Answer(string answer)
    {
        Pending().Answer.SetResult(answer);
        Check();
    }

    /// <summary>The commit fails for good (every retry spent), as the engine reports it.</summary>
    public JourneyStep Fail()
    {
        var activity = Pending();
        activity.Answer.SetException(new TaskFailedException(7, 6, activity.Name, activity.Version, "storage refused", new InvalidOperationException("412")));
        Check();
        return activity.Step;
    }

    /// <summary>
    /// Fires the timer the journey waits for, with the engine's clock at its fire time or at <paramref name="at"/>, and
    /// before it, as the engine would, every timer set for an earlier moment (those an event left behind).
    /// </summary>
    public void Fire(DateTimeOffset? at = null)
    {
        var timer = Awaited();
        foreach (var earlier in Unfired.Where(t => t.FireAt < timer.FireAt))
        {
            Now = earlier.FireAt;
            earlier.Fired.SetResult(earlier.State);
            Check();
        }
        Now = at?.UtcDateTime ?? timer.FireAt;
        timer.Fired.SetResult(timer.State);
        Check();
    }

    /// <summary>The timer the journey waits for (a reused one is not set again, so the orchestration says which).</summary>
    private DurableTimer Awaited() =>
        Orchestration.AwaitedTimer is { } at && Unfired.FirstOrDefault(t => t.FireAt == at) is { } timer
            ? timer
            : throw new InvalidOperationException("No durable timer is waiting.");

    /// <summary>Fires the latest timer and commits the step it makes.</summary>
    public JourneyStep FireAndCommit()
    {
        var before = Activities.Count;
        Fire();
        Assert.Equal(before + 1, Activities.Count);
        return Commit();
    }

    /// <summary>The custom status as the engine stores it, read from its JSON: "{stage} v{version} [{eventId}:{outcome}, …]".</summary>
    public string Status()
    {
        using var json = JsonDocument.Parse(Orchestration.OnGetStatus());
        var root = json.RootElement;
        var events = root.GetProperty("events").EnumerateArray().Select(e => $"{e.GetProperty("eventId").GetString()}:{e.GetProperty("outcome").GetString()}");
        return $"{root.GetProperty("stage").GetString()} v{root.GetProperty("version").GetInt32()} [{string.Join(", ", events)}]";
    }

    private Activity Pending()
    {
        var activity = LastActivity;
        Assert.False(activity.Answer.Task.IsCompleted, "No commit is waiting for its answer.");
        return activity;
    }

    private void Check()
    {
        if (_run is { IsFaulted: true }) Assert.Fail("The orchestration failed: " + _run.Exception);
    }

    public static JourneyRules Rules(JourneySettings settings) => new("UTC", settings);

    /// <summary>A journey (version 5) that ended at <paramref name="endedAt"/>.</summary>
    public static JourneyState Ended(JourneyStage stage, DateTimeOffset endedAt) =>
        new("lead-1", "s1", "c1", stage, 5, endedAt.AddDays(-20), endedAt, endedAt.AddDays(-20), null, [], [],
            new Dictionary<DateOnly, int>(), ["scan:0"], [new JourneyHistoryEntry(endedAt, "ended", stage)], EndedAt: endedAt);

    public static string Timer(TimerKind kind, DateTimeOffset due, string? reference = null) =>
        $"{kind} {due.ToString("O", CultureInfo.InvariantCulture)} {reference}".TrimEnd();

    /// <summary>A state's timers, earliest first, as <see cref="Timer"/> writes them.</summary>
    public static string[] TimersOf(JourneyState state) =>
        [.. state.Timers.OrderBy(t => t.DueAt).ThenBy(t => t.Kind).Select(t => Timer(t.Kind, t.DueAt, t.Ref))];

    public static string[] MessagesOf(JourneyStep step) =>
        [.. step.Messages.Select(m => $"{m.Template} {m.At.ToString("O", CultureInfo.InvariantCulture)}")];

    public static string Message(string template, DateTimeOffset at) => $"{template} {at.ToString("O", CultureInfo.InvariantCulture)}";
}

/// <summary>A <c>CommitJourneyStep</c> the orchestration scheduled, and the answer the test gives it.</summary>
internal sealed record Activity(string Name, string Version, RetryOptions Retry, object[] Args, TaskCompletionSource<string> Answer)
{
    public string InputJson => Assert.IsType<string>(Assert.Single(Args));

    public JourneyStep Step => JourneyJson.Read<CommitStepInput>(InputJson).Step;
}

/// <summary>A durable timer the orchestration created, and its firing.</summary>
internal sealed record DurableTimer(DateTime FireAt, string State, TaskCompletionSource<string> Fired);
