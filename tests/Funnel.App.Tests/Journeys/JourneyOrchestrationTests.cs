using Funnel.App.Journeys;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using static Funnel.App.Tests.Journeys.OrchestrationHarness;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// The journey orchestration against a mocked engine context (<see cref="OrchestrationHarness"/>): per step, the
/// commit it schedules (the decided step in the activity's input), the durable timers it sets and the status it shows.
/// Times are UTC with the default policy (quiet 21:00–09:00, one message a day); <see cref="T0"/> is a Monday 10:00.
/// </summary>
public sealed class JourneyOrchestrationTests
{
    [Fact]
    public void RunTask_PendingScan_CommitsWelcomeThenWaitsForFirstTimer()
    {
        var h = new OrchestrationHarness();
        h.Start(null, pending: Scan(T0));
        var commit = Assert.Single(h.Activities);
        Assert.Equal(("CommitJourneyStep", "1", 10), (commit.Name, commit.Version, commit.Retry.MaxNumberOfAttempts));
        Assert.Contains("\"storeId\":\"s1\"", commit.InputJson, StringComparison.Ordinal);
        Assert.Contains("\"joinsCohort\":false", commit.InputJson, StringComparison.Ordinal);
        var step = commit.Step;
        Assert.Null(step.Before);
        Assert.Equal((JourneyStage.Awareness, 1, "c1", "lead-1"), (step.After.Stage, step.After.Version, step.After.ClerkId, step.LeadId));
        Assert.Equal([Message("welcome", T0)], MessagesOf(step));
        Assert.Equal((0, 0), (step.Metrics.Count, step.After.Tasks.Count));
        Assert.Equal(NewJourneyTimers, TimersOf(step.After));
        Assert.Empty(h.Timers); // nothing waits before the step is written
        Assert.Equal("starting v0 []", h.Status());
        h.Commit();
        Assert.Equal("awareness v1 [scan:1:applied]", h.Status());
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
        Assert.Equal((1, DateTimeKind.Utc), (h.Timers.Count, h.LastTimer.FireAt.Kind));
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public void RunTask_ScanInQuietHours_HoldsWelcomeOnATimerUntilQuietHoursEnd()
    {
        var h = new OrchestrationHarness(T0.AddHours(12));
        var start = h.StartNew(T0.AddHours(12)); // Monday 22:00
        var opening = T0.AddHours(23); // Tuesday 09:00
        Assert.Empty(start.Messages);
        Assert.Contains(Timer(TimerKind.HeldMessage, opening, "welcome"), TimersOf(start.After));
        h.Waits(opening, TimerKind.HeldMessage);
        var held = h.FireAndCommit();
        Assert.Equal([Message("welcome", opening)], MessagesOf(held));
        Assert.DoesNotContain(held.After.Timers, t => t.Kind == TimerKind.HeldMessage);
        Assert.Equal("awareness v2 [scan:1:applied]", h.Status());
    }

    [Fact]
    public void RunTask_SecondMessageTheSameDay_IsHeldToTheNextDay()
    {
        var h = Started(Rules(new JourneySettings(AwarenessContentAfterDays: [0.25]))); // welcome at 10:00, content due 16:00
        h.Waits(T0.AddHours(6), TimerKind.AwarenessContent);
        var capped = h.FireAndCommit();
        var nextDay = T0.AddHours(23); // Tuesday 09:00: midnight is in quiet hours
        Assert.Empty(capped.Messages);
        Assert.Contains(Timer(TimerKind.HeldMessage, nextDay, "awareness-content-1"), TimersOf(capped.After));
        h.Waits(nextDay, TimerKind.HeldMessage);
        Assert.Equal([Message("awareness-content-1", nextDay)], MessagesOf(h.FireAndCommit()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)] // early (a queue message's delay is whole seconds): the timer the journey set is taken as due
    public void RunTask_TimerFiresAtDue_SendsContentAndWaitsForTheNextTimer(int engineClockSeconds)
    {
        var h = Started();
        h.Fire(at: T0.AddDays(1).AddSeconds(engineClockSeconds));
        var content = h.Commit();
        Assert.Equal([Message("awareness-content-1", T0.AddDays(1))], MessagesOf(content));
        Assert.Equal(NewJourneyTimers[1..], TimersOf(content.After));
        h.Waits(T0.AddDays(3), TimerKind.AwarenessContent);
        Assert.Equal(2, h.Timers.Count); // the first was not set again for what was left of it
        Assert.Equal("awareness v2 [scan:1:applied]", h.Status());
    }

    [Fact]
    public void RunTask_TimerFiresLate_AppliesEveryDueTimerInOneStep()
    {
        var h = Started();
        h.Fire(at: T0.AddDays(3).AddHours(1)); // Thursday 11:00: both content timers are due
        var step = Assert.Single(h.Activities.Skip(1)).Step;
        Assert.Equal([Message("awareness-content-1", T0.AddDays(3).AddHours(1))], MessagesOf(step));
        Assert.Equal([Timer(TimerKind.HeldMessage, T0.AddDays(3).AddHours(23), "awareness-content-2"), .. NewJourneyTimers[2..]], TimersOf(step.After));
        Assert.Equal(3, step.After.Version);
    }

    [Theory]
    [InlineData(6, 1)]
    [InlineData(9, 2)]
    [InlineData(13, 3)]
    public void RunTask_WaitLongerThanSixDays_ChainsTimersWithoutCommits(int days, int timers)
    {
        var h = Started(Rules(new JourneySettings(AwarenessContentAfterDays: [days], TrialFollowUpAfterDays: 20, DormantAfterDays: 30)));
        for (var hop = 1; hop < timers; hop++)
        {
            h.Waits(T0.AddDays(6 * hop), TimerKind.AwarenessContent);
            h.Fire();
            Assert.Single(h.Activities); // a hop decides nothing
        }
        h.Waits(T0.AddDays(days), TimerKind.AwarenessContent);
        var content = h.FireAndCommit();
        Assert.Equal(timers, h.Timers.Count - 1);
        Assert.Equal([Message("awareness-content-1", T0.AddDays(days))], MessagesOf(content));
        h.Waits(T0.AddDays(Math.Min(20, days + 6)), TimerKind.TrialFollowUp); // the follow-up at +20 days, chained
    }

    [Theory]
    [InlineData(JourneyStage.Dormant, 1, true)]
    [InlineData(JourneyStage.Converted, 29, false)]
    [InlineData(JourneyStage.Converted, 30, true)]
    [InlineData(JourneyStage.OptedOut, 365, false)]
    public void RunTask_EndedLeadScannedAgain_RestartsUnlessOptedOutOrConvertedWithinThirtyDays(JourneyStage stage, int daysSinceEnded, bool restarts)
    {
        var h = new OrchestrationHarness();
        h.Start(Ended(stage, T0.AddDays(-daysSinceEnded)), pending: Scan(T0, "scan:2"));
        if (!restarts)
        {
            Assert.Empty(h.Activities);
            Assert.Empty(h.Timers); // nothing to wait for but the next event
            Assert.Equal($"{stage.Name()} v5 [scan:2:ignored]", h.Status());
            return;
        }

        var restart = h.Commit();
        Assert.Equal((stage, JourneyStage.Awareness, 6), (restart.Before!.Stage, restart.After.Stage, restart.After.Version));
        Assert.Equal([Message("welcome", T0)], MessagesOf(restart));
        Assert.Equal(NewJourneyTimers, TimersOf(restart.After));
        Assert.Equal("journey restarted", restart.After.History[^1].What);
        Assert.Equal("awareness v6 [scan:2:applied]", h.Status());
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
    }

    [Fact]
    public void RunTask_OptedOut_EndsTheJourneyAndNothingIsSentAfter()
    {
        var h = Started();
        var optOut = h.Apply("opted-out", T0.AddHours(2), "opt:1");
        Assert.Equal((1, null), (h.Unfired.Count, h.Orchestration.AwaitedTimer)); // the event won the race; the timer stays set, unawaited
        Assert.Equal((JourneyStage.OptedOut, T0.AddHours(2)), (optOut.After.Stage, optOut.After.EndedAt));
        Assert.Equal((0, 0), (optOut.Messages.Count, optOut.After.Timers.Count));
        h.Raise(Scan(T0.AddDays(1), "scan:2"));
        h.Raise("content-opened", T0.AddDays(2), "open:1");
        Assert.Equal((2, 1), (h.Activities.Count, h.Timers.Count));
        Assert.Equal("opted-out v2 [scan:1:applied, opt:1:applied, scan:2:ignored, open:1:ignored]", h.Status());
    }

    [Fact]
    public void RunTask_Purchase_ConvertsClosesTasksAndClearsTimers()
    {
        var h = Started();
        var asked = h.Apply(new JourneyEventMessage("question-asked", T0.AddHours(1), "q:1", QuestionId: "q1"));
        Assert.Equal([FunnelMetric.Question], asked.Metrics.Select(m => m.Metric));
        Assert.Equal(("answer-question-q1", T0.AddHours(5)), (Assert.Single(asked.After.Tasks).TaskId, asked.After.Tasks[0].DueAt));
        h.Waits(T0.AddHours(5), TimerKind.AnswerDeadline);
        var converted = h.Apply("purchased", T0.AddHours(2), "purchase:s1:p1");
        Assert.Equal((JourneyStage.Converted, T0.AddHours(2)), (converted.After.Stage, converted.After.EndedAt));
        Assert.Equal((0, 0), (converted.After.Timers.Count, converted.After.Tasks.Count));
        Assert.Equal(2, h.Timers.Count); // the two the events raced against, and none after
        Assert.Equal("converted v3 [scan:1:applied, q:1:applied, purchase:s1:p1:applied]", h.Status());
    }

    [Fact]
    public void RunTask_NoEngagementForFourteenDays_OpensFollowUpThenGoesDormant()
    {
        var h = Started();
        h.FireAndCommit();
        h.FireAndCommit();
        var followUp = h.FireAndCommit();
        var task = Assert.Single(followUp.After.Tasks);
        Assert.Equal(("trial-follow-up-4", "trial-follow-up", T0.AddDays(7), false), (task.TaskId, task.Kind, task.DueAt, task.ForStore));
        Assert.Empty(followUp.Messages);
        h.Waits(T0.AddDays(13), TimerKind.Dormancy); // 7 days away: a hop first
        h.Fire();
        h.Waits(T0.AddDays(14), TimerKind.Dormancy);
        var dormant = h.FireAndCommit();
        Assert.Equal((JourneyStage.Dormant, T0.AddDays(14)), (dormant.After.Stage, dormant.After.EndedAt));
        Assert.Equal((0, 0), (dormant.After.Timers.Count, dormant.After.Tasks.Count));
        Assert.Equal((5, 5), (h.Activities.Count, h.Timers.Count));
        Assert.Equal("dormant v5 [scan:1:applied]", h.Status());
    }

    [Fact]
    public void RunTask_RepeatedEventId_RecordsDuplicateWithoutCommit()
    {
        var h = Started();
        var opened = h.Apply("content-opened", T0.AddHours(5), "open:1");
        Assert.Equal(Timer(TimerKind.Dormancy, T0.AddHours(5).AddDays(14)), TimersOf(opened.After)[^1]); // engagement defers dormancy
        h.Raise("content-opened", T0.AddHours(6), "open:1");
        Assert.Equal(2, h.Activities.Count);
        Assert.Equal("awareness v2 [scan:1:applied, open:1:applied, open:1:duplicate]", h.Status());
        Assert.Single(h.Timers); // the events did not move the next timer: the journey waits on the one it set
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
    }

    [Fact]
    public void RunTask_EventTheStageIgnores_RecordsIgnoredWithoutCommit()
    {
        var h = Started();
        h.Raise(new JourneyEventMessage("question-answered", T0.AddHours(1), "answer:1", QuestionId: "never-asked"));
        h.Raise("no-such-event", T0.AddHours(1), "odd:1"); // not an event this code knows: dropped, no outcome
        Assert.Single(h.Activities);
        Assert.Equal("awareness v1 [scan:1:applied, answer:1:ignored]", h.Status());
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
    }

    [Fact]
    public void RunTask_CommitFails_KeepsThePreviousStateAndRecordsFailed()
    {
        var h = Started();
        var start = h.Activities[0].Step;
        h.Raise("content-opened", T0.AddHours(1), "open:1");
        h.Fail();
        Assert.Equal("awareness v1 [scan:1:applied, open:1:failed]", h.Status());
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
        var next = h.Apply("content-opened", T0.AddHours(2), "open:2");
        Assert.Equal((start.After.Version, start.After.Stage), (next.Before!.Version, next.Before.Stage));
        Assert.Equal(start.After.Tasks, next.Before.Tasks);
        Assert.Empty(next.Before.History); // the commit's input carries the journey before only as far as the commit reads it
        Assert.Equal(["scan:1", "open:2"], next.After.RecentEventIds); // open:1 never happened
        Assert.Equal(2, next.After.Version);
    }

    [Fact]
    public void RunTask_ScaledClock_SetsTimersAtTheScaledRealTime()
    {
        var real = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var h = new OrchestrationHarness(real);
        h.Start(null, clock: new JourneyClock(T0, real, 86400), pending: Scan(T0)); // a day of app time per real second
        h.Commit();
        h.Waits(real.AddSeconds(1), TimerKind.AwarenessContent);
        var content = h.FireAndCommit();
        Assert.Equal([Message("awareness-content-1", T0.AddDays(1))], MessagesOf(content));
        h.Waits(real.AddSeconds(3), TimerKind.AwarenessContent);
    }

    [Fact]
    public void RunTask_TrialBooked_JoinsACohortRemindsAndOpensNoShowTask()
    {
        var h = Started();
        var slot = T0.AddDays(2).AddHours(4); // Wednesday 14:00
        h.Raise(new JourneyEventMessage("trial-booked", T0.AddHours(1), "book:1", Slot: slot));
        var json = h.LastActivity.InputJson;
        var booked = h.Commit(cohort: "g7");
        Assert.Contains("\"joinsCohort\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"metric\":\"trial-booked\"", json, StringComparison.Ordinal); // the typed metric keeps its wire name
        Assert.Equal((JourneyStage.GuidedTrial, slot), (booked.After.Stage, booked.After.TrialSlot));
        Assert.Equal([(FunnelMetric.TrialBooked, "c1", T0.AddHours(1))], booked.Metrics.Select(m => (m.Metric, m.ClerkId, m.At)));
        Assert.Equal([Timer(TimerKind.TrialReminder, slot.AddHours(-2)), Timer(TimerKind.NoShow, slot.AddDays(1))], TimersOf(booked.After));
        Assert.Equal("guided-trial v2 [scan:1:applied, book:1:applied]", h.Status());
        h.Waits(slot.AddHours(-2), TimerKind.TrialReminder);
        var reminder = h.FireAndCommit();
        Assert.Equal("g7", reminder.Before!.CohortGroupId); // goes on with the state the activity answered
        Assert.Equal([Message("trial-reminder", slot.AddHours(-2))], MessagesOf(reminder));
        var noShow = h.FireAndCommit();
        Assert.Equal(("trial-no-show-4", slot.AddDays(1)), (Assert.Single(noShow.After.Tasks).TaskId, noShow.After.Tasks[0].DueAt));
        Assert.Equal(3, h.Timers.Count); // none after the no-show: the journey waits for the lead (no dormancy timer in a trial)
    }

    [Fact]
    public void RunTask_TrialCompletedThenQuestions_RunsTheQnaWindowToDormant()
    {
        var h = Started();
        var qna = h.Apply("trial-completed", T0.AddHours(1), "done:1");
        Assert.Equal((JourneyStage.Qna, FunnelMetric.TrialCompleted), (qna.After.Stage, Assert.Single(qna.Metrics).Metric));
        Assert.Equal([Timer(TimerKind.LastChance, T0.AddHours(1).AddDays(6)), Timer(TimerKind.QnaWindowEnd, T0.AddHours(1).AddDays(7))], TimersOf(qna.After));
        h.Apply(new JourneyEventMessage("question-asked", T0.AddHours(2), "q:1", QuestionId: "q1"));
        Assert.Equal([FunnelMetric.Complaint], h.Apply("complaint", T0.AddHours(3), "complaint:1").Metrics.Select(m => m.Metric));
        h.Waits(T0.AddHours(6), TimerKind.AnswerDeadline);
        var late = h.FireAndCommit();
        Assert.Equal([FunnelMetric.QuestionLate], late.Metrics.Select(m => m.Metric));
        Assert.Contains(late.After.Tasks, t => t is { TaskId: "escalation-q1", ForStore: true });
        Assert.Equal([Message("qna-last-chance", T0.AddHours(1).AddDays(6))], MessagesOf(h.FireAndCommit()));
        var dormant = h.FireAndCommit();
        Assert.Equal((JourneyStage.Dormant, T0.AddHours(1).AddDays(7)), (dormant.After.Stage, dormant.After.EndedAt));
        Assert.Empty(dormant.After.Tasks);
        Assert.Equal("dormant v7 [scan:1:applied, done:1:applied, q:1:applied, complaint:1:applied]", h.Status());
    }

    [Fact]
    public void RunTask_QuestionAnswered_CommitsANewStepVersion()
    {
        var h = Started();
        h.Apply(new JourneyEventMessage("question-asked", T0.AddHours(1), "q:1", QuestionId: "q1"));
        var answered = h.Apply(new JourneyEventMessage("question-answered", T0.AddHours(2), "a:1", QuestionId: "q1"));
        Assert.Equal([FunnelMetric.QuestionInTime], answered.Metrics.Select(m => m.Metric));
        Assert.Empty(answered.After.Tasks);
        Assert.DoesNotContain(answered.After.Timers, t => t.Kind == TimerKind.AnswerDeadline);
        Assert.Equal(answered.Before!.Version + 1, answered.After.Version); // else the lane takes it for a step written before
        Assert.Equal("awareness v3 [scan:1:applied, q:1:applied, a:1:applied]", h.Status());
    }
}
