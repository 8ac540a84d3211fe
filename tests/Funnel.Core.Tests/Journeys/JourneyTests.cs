using Funnel.Core.Journeys;
using Microsoft.Extensions.Time.Testing;

namespace Funnel.Core.Tests.Journeys;

public sealed partial class JourneyTests
{
    private static readonly JourneyPolicy Policy = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));

    // 10:00 in Shanghai: outside quiet hours.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    private static (JourneyState? State, IReadOnlyList<JourneyEffect> Effects) Apply(JourneyState? state, JourneyEvent e) =>
        Journey.Decide(state, e, Policy, "L1", "s1");

    private JourneyState Started()
    {
        var (state, _) = Apply(null, new Scanned(Now, "c1"));
        return state!;
    }

    /// <summary>Moves the clock to a timer and fires it.</summary>
    private (JourneyState? State, IReadOnlyList<JourneyEffect> Effects) Fire(JourneyState state, TimerKind kind, string? reference = null)
    {
        var timer = state.Timers.Single(t => t.Kind == kind && (reference is null || t.Ref == reference));
        _time.SetUtcNow(timer.DueAt);
        return Apply(state, new TimerFired(Now, timer));
    }

    [Fact]
    public void Decide_FirstScan_StartsAwarenessWithAWelcomeAndItsTimers()
    {
        var (state, effects) = Apply(null, new Scanned(Now, "c1"));

        Assert.Equal(JourneyStage.Awareness, state!.Stage);
        Assert.Equal(1, state.Version);
        Assert.Equal("c1", state.ClerkId);
        Assert.Equal(new SendMessage("welcome", Now), Assert.Single(effects));
        Assert.Equal(
            [(TimerKind.AwarenessContent, Now.AddDays(1)), (TimerKind.AwarenessContent, Now.AddDays(3)), (TimerKind.TrialFollowUp, Now.AddDays(7)), (TimerKind.Dormancy, Now.AddDays(14))],
            state.Timers.Select(t => (t.Kind, t.DueAt)));
        Assert.All(state.Timers, t => Assert.Equal(1, t.Version));
        Assert.Equal(Now.AddDays(1), state.NextTimerAt);
    }

    [Fact]
    public void Decide_ScanInQuietHours_HoldsTheWelcomeUntilNineLocal()
    {
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero)); // 22:00 in Shanghai

        var (state, effects) = Apply(null, new Scanned(Now, "c1"));

        Assert.Empty(effects);
        var held = state!.Timers.Single(t => t.Kind == TimerKind.HeldMessage);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), held.DueAt); // 09:00 on the 24th there
        Assert.Equal("welcome", held.Ref);

        var (_, sent) = Fire(state, TimerKind.HeldMessage);
        Assert.Equal(new SendMessage("welcome", held.DueAt), Assert.Single(sent));
    }

    [Fact]
    public void Decide_SecondMessageOnTheSameLocalDay_IsHeldToTheNextDay()
    {
        var policy = Policy with { AwarenessContentAfter = [TimeSpan.FromHours(3)] };
        var (state, _) = Journey.Decide(null, new Scanned(Now, "c1"), policy, "L1", "s1");
        var timer = state!.Timers.Single(t => t.Kind == TimerKind.AwarenessContent);
        _time.SetUtcNow(timer.DueAt);

        var (after, effects) = Journey.Decide(state, new TimerFired(Now, timer), policy, "L1", "s1");

        Assert.Empty(effects);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), after!.Timers.Single(t => t.Kind == TimerKind.HeldMessage).DueAt);
    }

    [Fact]
    public void Decide_AwarenessContentTimer_SendsTheContent()
    {
        var (_, effects) = Fire(Started(), TimerKind.AwarenessContent, "1");

        Assert.Equal(new SendMessage("awareness-content-1", Now), Assert.Single(effects));
    }

    [Fact]
    public void Decide_TimerTheStateNoLongerHolds_IsANoOp()
    {
        var started = Started();
        var stale = started.Timers.Single(t => t.Kind == TimerKind.TrialFollowUp);
        var (booked, _) = Apply(started, new TrialBooked(Now, Now.AddDays(2)));

        var (after, effects) = Apply(booked, new TimerFired(stale.DueAt, stale));

        Assert.Same(booked, after);
        Assert.Empty(effects);
    }

    [Fact]
    public void Decide_SameEventIdTwice_AppliesOnce()
    {
        var (once, first) = Apply(Started(), new QuestionAsked(Now, "q1", EventId: "e-1"));
        var (twice, second) = Apply(once, new QuestionAsked(Now, "q1", EventId: "e-1"));

        Assert.NotEmpty(first);
        Assert.Same(once, twice);
        Assert.Empty(second);
    }

    [Fact]
    public void Decide_NoTrialAfterSevenDays_OpensAClerkFollowUp()
    {
        var (state, effects) = Fire(Started(), TimerKind.TrialFollowUp);

        var task = Assert.IsType<OpenTask>(Assert.Single(effects)).Task;
        Assert.Equal("trial-follow-up", task.Kind);
        Assert.Contains(state!.Tasks, t => t.Kind == "trial-follow-up");
    }

    [Fact]
    public void Decide_FourteenDaysWithoutEngagement_GoesDormant()
    {
        var (state, _) = Fire(Started(), TimerKind.Dormancy);

        Assert.Equal(JourneyStage.Dormant, state!.Stage);
        Assert.Empty(state.Timers);
        Assert.Equal(Now, state.EndedAt);
    }

    [Fact]
    public void Decide_EngagementPostponesDormancy()
    {
        var started = Started(); // dormancy 14 days from now
        _time.Advance(TimeSpan.FromDays(10));
        var (engaged, _) = Apply(started, new ContentOpened(Now));

        Assert.Equal(Now.AddDays(14), engaged!.Timers.Single(t => t.Kind == TimerKind.Dormancy).DueAt); // 24 days after the start, not 14
    }

    [Fact]
    public void Decide_TrialBooked_EntersGuidedTrialWithReminderNoShowCohortAndMetric()
    {
        var slot = Now.AddDays(2);

        var (state, effects) = Apply(Started(), new TrialBooked(Now, slot));

        Assert.Equal(JourneyStage.GuidedTrial, state!.Stage);
        Assert.Equal(slot, state.TrialSlot);
        Assert.Equal([(TimerKind.TrialReminder, slot.AddHours(-2)), (TimerKind.NoShow, slot.AddHours(24))], state.Timers.Select(t => (t.Kind, t.DueAt)));
        Assert.Contains(new JoinGroup("small"), effects);
        Assert.Contains(effects, x => x is CountMetric { Metric: FunnelMetric.TrialBooked, ClerkId: "c1" });
    }

    [Fact]
    public void Decide_TrialReminderAndNoShow_MessageThenTask()
    {
        var slot = Now.AddDays(2).AddHours(4); // 14:00 in Shanghai: the reminder at 12:00 is outside quiet hours
        var (booked, _) = Apply(Started(), new TrialBooked(Now, slot));

        var (reminded, reminder) = Fire(booked!, TimerKind.TrialReminder);
        Assert.Equal(new SendMessage("trial-reminder", slot.AddHours(-2)), Assert.Single(reminder));
        var (_, noShow) = Fire(reminded!, TimerKind.NoShow);

        Assert.Equal("trial-no-show", Assert.IsType<OpenTask>(Assert.Single(noShow)).Task.Kind);
    }

    [Fact]
    public void Decide_ReminderDueInQuietHours_IsHeldUntilTheyEnd()
    {
        var slot = Now.AddDays(2); // 10:00 in Shanghai: the reminder at 08:00 falls in quiet hours
        var (booked, _) = Apply(Started(), new TrialBooked(Now, slot));

        var (held, effects) = Fire(booked!, TimerKind.TrialReminder);

        Assert.Empty(effects);
        Assert.Equal(slot.AddHours(-1), held!.Timers.Single(t => t.Kind == TimerKind.HeldMessage).DueAt);
    }

    [Fact]
    public void Decide_TrialCompleted_OpensQnaWithLastChanceAndEnd()
    {
        var (booked, _) = Apply(Started(), new TrialBooked(Now, Now.AddHours(5)));
        _time.Advance(TimeSpan.FromHours(6));

        var (qna, effects) = Apply(booked, new TrialCompleted(Now));

        Assert.Equal(JourneyStage.Qna, qna!.Stage);
        Assert.Contains(effects, x => x is CountMetric { Metric: FunnelMetric.TrialCompleted });
        Assert.Equal([(TimerKind.LastChance, Now.AddDays(6)), (TimerKind.QnaWindowEnd, Now.AddDays(7))], qna.Timers.Select(t => (t.Kind, t.DueAt)));

        var (lastChance, message) = Fire(qna, TimerKind.LastChance);
        Assert.Equal("qna-last-chance", Assert.IsType<SendMessage>(Assert.Single(message)).Template);
        var (ended, _) = Fire(lastChance!, TimerKind.QnaWindowEnd);
        Assert.Equal(JourneyStage.Dormant, ended!.Stage);
    }
}
