using Funnel.Core.Journeys;

namespace Funnel.Core.Tests.Journeys;

/// <summary>The rules from the Q&amp;A window on: questions and their deadlines, purchases, opting out, re-entry, odd orders.</summary>
public sealed partial class JourneyTests
{
    [Fact]
    public void Decide_QuestionAnsweredInTime_CountsForTheServiceRate()
    {
        var (asked, effects) = Apply(Started(), new QuestionAsked(Now, "q1"));
        var task = Assert.IsType<OpenTask>(effects.Single(x => x is OpenTask)).Task;
        Assert.Equal(Now.AddHours(4), task.DueAt);
        _time.Advance(TimeSpan.FromHours(4)); // exactly at the deadline: still in time

        var (answered, answer) = Apply(asked, new QuestionAnswered(Now, "q1"));

        Assert.Contains(answer, x => x is CountMetric { Metric: FunnelMetric.QuestionInTime });
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
        Assert.Contains(breach, x => x is CountMetric { Metric: FunnelMetric.QuestionLate });
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

        Assert.Equal(new CountMetric(FunnelMetric.Complaint, "c1", Now), Assert.Single(effects));
    }

    [Fact]
    public void Decide_EveryTransitionRaisesTheVersionAndLogsHistory()
    {
        var started = Started();
        var (opened, _) = Apply(started, new ContentOpened(Now));

        Assert.Equal(started.Version + 1, opened!.Version);
        Assert.Equal(["journey started", "content opened"], opened.History.Select(h => h.What));
    }

    /// <summary>The complaint rate judges clerks: one complaint counts per question asked and one per visit (its trial), per journey generation.</summary>
    [Fact]
    public void Decide_Complaints_CountOncePerQuestionAskedAndOncePerVisit()
    {
        var state = Started();
        var complaints = 0;
        JourneyState? Complain(JourneyState s, string? questionId, string eventId)
        {
            var (after, effects) = Apply(s, new Complained(Now, eventId, questionId));
            complaints += effects.Count(e => e is CountMetric { Metric: FunnelMetric.Complaint });
            return after;
        }

        state = Complain(state, null, "c1")!;
        state = Complain(state, null, "c2")!; // the visit again: not counted
        state = Complain(state, "q1", "c3")!; // a question never asked: not counted
        state = Apply(state, new QuestionAsked(Now, "q1")).State!;
        state = Complain(state, "q1", "c4")!;
        state = Complain(state, "q1", "c5")!; // the same question again: not counted

        Assert.Equal(2, complaints);
        Assert.Equal(["trial", "question:q1"], state.ComplaintsAbout);
    }
}
