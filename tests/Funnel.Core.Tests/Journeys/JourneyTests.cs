using Funnel.Core.Journeys;
using Microsoft.Extensions.Time.Testing;

namespace Funnel.Core.Tests.Journeys;

public sealed class JourneyTests
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
        Assert.Contains(effects, x => x is CountMetric { Metric: "trial-booked", ClerkId: "c1" });
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
        Assert.Contains(effects, x => x is CountMetric { Metric: "trial-completed" });
        Assert.Equal([(TimerKind.LastChance, Now.AddDays(6)), (TimerKind.QnaWindowEnd, Now.AddDays(7))], qna.Timers.Select(t => (t.Kind, t.DueAt)));

        var (lastChance, message) = Fire(qna, TimerKind.LastChance);
        Assert.Equal("qna-last-chance", Assert.IsType<SendMessage>(Assert.Single(message)).Template);
        var (ended, _) = Fire(lastChance!, TimerKind.QnaWindowEnd);
        Assert.Equal(JourneyStage.Dormant, ended!.Stage);
    }

    [Fact]
    public void Decide_QuestionAnsweredInTime_CountsForTheServiceRate()
    {
        var (asked, effects) = Apply(Started(), new QuestionAsked(Now, "q1"));
        var task = Assert.IsType<OpenTask>(effects.Single(x => x is OpenTask)).Task;
        Assert.Equal(Now.AddHours(4), task.DueAt);
        _time.Advance(TimeSpan.FromHours(4)); // exactly at the deadline: still in time

        var (answered, answer) = Apply(asked, new QuestionAnswered(Now, "q1"));

        Assert.Contains(answer, x => x is CountMetric { Metric: "question-in-time" });
        Assert.Contains(new CloseTask(task.TaskId, "answered in time"), answer);
        Assert.Empty(answered!.Tasks);
        Assert.DoesNotContain(answered.Timers, t => t.Kind == TimerKind.AnswerDeadline);
    }

    [Fact]
    public void Decide_SameQuestionAskedTwiceWithoutAnEventId_IsOneTaskAndOneDeadline()
    {
        var (once, _) = Apply(Started(), new QuestionAsked(Now, "q1"));

        var (twice, effects) = Apply(once, new QuestionAsked(Now, "q1"));

        Assert.Same(once, twice);
        Assert.Empty(effects);
        Assert.Single(twice!.Tasks);
        Assert.Single(twice.Timers, t => t.Kind == TimerKind.AnswerDeadline);
    }

    [Fact]
    public void Decide_MoreOpenQuestionsThanTheCap_AreLoggedNotTaken()
    {
        var state = Started();
        for (var i = 0; i < Journey.MaxOpenQuestions + 3; i++) state = Apply(state, new QuestionAsked(Now, $"q{i}")).State!;

        Assert.Equal(Journey.MaxOpenQuestions, state.Tasks.Count(t => t.Kind == "answer-question"));
        Assert.Contains(state.History, h => h.What.Contains("not taken", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_DeadlineBreached_EscalatesAndCountsLateOnce()
    {
        var (asked, _) = Apply(Started(), new QuestionAsked(Now, "q1"));

        var (breached, breach) = Fire(asked!, TimerKind.AnswerDeadline, "q1");
        _time.Advance(TimeSpan.FromHours(1));
        var (_, late) = Apply(breached, new QuestionAnswered(Now, "q1"));

        var escalation = Assert.IsType<OpenTask>(breach.Single(x => x is OpenTask)).Task;
        Assert.Equal(("escalation", true, "q1"), (escalation.Kind, escalation.ForStore, escalation.Ref));
        Assert.Contains(escalation, breached!.Tasks);
        Assert.Contains(breach, x => x is CountMetric { Metric: "question-late" });
        Assert.DoesNotContain(late, x => x is CountMetric);
        Assert.Contains(late, x => x is CloseTask { Outcome: "answered late" });
        Assert.Contains(new CloseTask(escalation.TaskId, "answered late"), late);
    }

    /// <summary>
    /// An answer given before the deadline that reaches the journey after the deadline fired (events are applied in
    /// the order the journey receives them) is late: the breach was counted, and it must not count as in time too.
    /// </summary>
    [Fact]
    public void Decide_AnswerHeardOfAfterTheEscalation_IsLate_AndNotCountedInTime()
    {
        var (asked, _) = Apply(Started(), new QuestionAsked(Now, "q1"));
        var answeredAt = Now.AddHours(3);

        var (breached, _) = Fire(asked!, TimerKind.AnswerDeadline, "q1");
        var (after, effects) = Apply(breached!, new QuestionAnswered(answeredAt, "q1"));

        Assert.DoesNotContain(effects, x => x is CountMetric);
        Assert.Contains("question q1 answered late", after!.History.Select(h => h.What));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Decide_PurchaseAtAnyStage_Converts(int stage)
    {
        var state = Started();
        if (stage >= 1) state = Apply(state, new TrialBooked(Now, Now.AddDays(1))).State!;
        if (stage >= 2) state = Apply(state, new TrialCompleted(Now.AddDays(1))).State!;
        state = Apply(state, new QuestionAsked(Now, "q1")).State!;

        var (converted, effects) = Apply(state, new Purchased(Now));

        Assert.Equal(JourneyStage.Converted, converted!.Stage);
        Assert.Empty(converted.Timers);
        Assert.Empty(converted.Tasks);
        Assert.Contains(effects, x => x is CloseTask);
    }

    [Fact]
    public void Decide_OptedOut_NothingIsEverSentAgain()
    {
        var (opted, _) = Apply(Started(), new OptedOut(Now));

        var (rescanned, effects) = Apply(opted, new Scanned(Now.AddDays(60), "c1"));

        Assert.Equal(JourneyStage.OptedOut, rescanned!.Stage);
        Assert.Empty(opted!.Timers);
        Assert.Empty(effects);
    }

    [Fact]
    public void Decide_DormantLeadScansAgain_StartsANewJourney()
    {
        var (dormant, _) = Fire(Started(), TimerKind.Dormancy);
        _time.Advance(TimeSpan.FromDays(1));

        var (again, effects) = Apply(dormant, new Scanned(Now, "c2"));

        Assert.Equal(JourneyStage.Awareness, again!.Stage);
        Assert.Equal("c2", again.ClerkId);
        Assert.Equal(Now, again.StartedAt);
        Assert.Contains(effects, x => x is SendMessage { Template: "welcome" });
        Assert.Contains(again.History, h => h.What == "journey restarted");
    }

    [Fact]
    public void Decide_ConvertedLead_ReentersOnlyAfterThirtyDays()
    {
        var (converted, _) = Apply(Started(), new Purchased(Now));

        var (within, none) = Apply(converted, new Scanned(Now.AddDays(30).AddSeconds(-1), "c1"));
        var (after, _) = Apply(converted, new Scanned(Now.AddDays(30), "c1"));

        Assert.Same(converted, within);
        Assert.Empty(none);
        Assert.Equal(JourneyStage.Awareness, after!.Stage);
    }

    [Fact]
    public void Decide_EventsOutOfOrder_CompletionBeforeBooking_IgnoresTheLateBooking()
    {
        var (qna, _) = Apply(Started(), new TrialCompleted(Now));

        var (after, effects) = Apply(qna, new TrialBooked(Now.AddMinutes(-30), Now.AddMinutes(-60)));

        Assert.Equal(JourneyStage.Qna, after!.Stage);
        Assert.Same(qna, after);
        Assert.Empty(effects);
    }

    [Fact]
    public void Decide_Complaint_CountsAgainstTheClerk()
    {
        var (_, effects) = Apply(Started(), new Complained(Now));

        Assert.Equal(new CountMetric("complaint", "c1", Now), Assert.Single(effects));
    }

    [Fact]
    public void Decide_EveryTransitionRaisesTheVersionAndLogsHistory()
    {
        var started = Started();
        var (opened, _) = Apply(started, new ContentOpened(Now));

        Assert.Equal(started.Version + 1, opened!.Version);
        Assert.Equal(["journey started", "content opened"], opened.History.Select(h => h.What));
    }
}
