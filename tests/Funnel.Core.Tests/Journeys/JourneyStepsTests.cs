using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Journeys;
using Funnel.Core.Stores;

namespace Funnel.Core.Tests.Journeys;

public sealed class JourneyStepsTests
{
    /// <summary>What a transaction holds: the store lane tells the planners (100, Table Storage's limit).</summary>
    private const int MaxActions = 100;

    private static readonly JourneyPolicy Policy = new(TimeZoneInfo.Utc) { QuietFrom = new(0, 0), QuietUntil = new(0, 0), MaxMessagesPerDay = 20 };
    private static readonly StorePolicy Store = new(200, 20, TimeZoneInfo.Utc);
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static JourneyState Started(string lead = "L1") => JourneyStep.Decide(null, [new Scanned(Now, "c1")], Policy, lead, "s1")!.After;

    [Fact]
    public void Decide_Start_IsStepOneWithTheWelcome()
    {
        var step = JourneyStep.Decide(null, [new Scanned(Now, "c1", "scan:1")], Policy, "L1", "s1");

        Assert.NotNull(step);
        Assert.Null(step.Before);
        Assert.Equal(1, step.Version);
        Assert.Equal("welcome", Assert.Single(step.Messages).Template);
        Assert.Empty(step.Metrics);
        Assert.False(step.JoinsCohort);
    }

    [Fact]
    public void Decide_NothingChanges_IsNoStep()
    {
        var state = Started();

        var complained = JourneyStep.Decide(state, [new Complained(Now, "e-1")], Policy, "L1", "s1")!;

        Assert.Null(JourneyStep.Decide(state, [new QuestionAnswered(Now, "never-asked")], Policy, "L1", "s1")); // ignored by the stage
        Assert.Null(JourneyStep.Decide(complained.After, [new Complained(Now, "e-1")], Policy, "L1", "s1")); // a repeated event id
    }

    /// <summary>The bug this guards: an answer changed the journey without moving its version, so the step looked like a repeat and was never written.</summary>
    [Fact]
    public void Decide_EveryChange_MovesTheVersionOn()
    {
        var asked = JourneyStep.Decide(Started(), [new QuestionAsked(Now, "q1")], Policy, "L1", "s1")!;
        var answered = JourneyStep.Decide(asked.After, [new QuestionAnswered(Now.AddHours(1), "q1")], Policy, "L1", "s1");

        Assert.NotNull(answered);
        Assert.Equal(asked.Version + 1, answered.Version);
        Assert.Empty(answered.After.Tasks);
        Assert.Equal(FunnelMetric.QuestionInTime, Assert.Single(answered.Metrics).Metric);
    }

    [Fact]
    public void Decide_TrialBooked_JoinsACohortOnce_AndCounts()
    {
        var booked = JourneyStep.Decide(Started(), [new TrialBooked(Now, Now.AddDays(2))], Policy, "L1", "s1")!;
        var withSeat = JourneyStep.WithCohort(booked.After, "small-1");
        var moved = JourneyStep.Decide(withSeat, [new TrialBooked(Now, Now.AddDays(3))], Policy, "L1", "s1")!;

        Assert.True(booked.JoinsCohort);
        Assert.Equal(FunnelMetric.TrialBooked, Assert.Single(booked.Metrics).Metric);
        Assert.Equal("small-1", withSeat.CohortGroupId);
        Assert.Equal("seated in trial cohort small-1", withSeat.History[^1].What);
        Assert.False(moved.JoinsCohort); // a moved trial keeps its seat and counts nothing
        Assert.Empty(moved.Metrics);
    }

    [Fact]
    public void ForCommit_KeepsWhatTheCommitWrites_AndDropsTheRestOfTheJourneyBefore()
    {
        var asked = JourneyStep.Decide(Started(), [new QuestionAsked(Now, "q1")], Policy, "L1", "s1")!;
        var answered = JourneyStep.Decide(asked.After, [new QuestionAnswered(Now.AddHours(1), "q1"), new QuestionAsked(Now.AddHours(1), "q2")], Policy, "L1", "s1")!;

        var slim = answered.ForCommit();

        Assert.Empty(slim.Before!.History);
        Assert.Empty(slim.Before.RecentEventIds);
        Assert.Equal((answered.Before!.ClerkId, answered.Before.Version), (slim.Before.ClerkId, slim.Before.Version));
        var full = Assert.Single(JourneyStepPlanner.Plan(Store, [], [answered], MaxActions).Writes);
        var trimmed = Assert.Single(JourneyStepPlanner.Plan(Store, [], [slim], MaxActions).Writes);
        Assert.Equal(("answer-question", "answer-question"), (Assert.Single(trimmed.TasksClosed).Task.Kind, Assert.Single(trimmed.TasksOpened).Task.Kind));
        Assert.Equal(full.TasksClosed, trimmed.TasksClosed);
        Assert.Equal(full.TasksOpened, trimmed.TasksOpened);
    }

    /// <summary>A metric added to the type without a count here would throw on the step that counts it.</summary>
    [Fact]
    public void EveryFunnelMetric_CountsOneOfItsKind() =>
        Assert.All(Enum.GetValues<FunnelMetric>(), m => Assert.Equal(1, FunnelCounts.Of(m) switch
        {
            { TrialsBooked: 1 } or { TrialsCompleted: 1 } or { Questions: 1 } or { QuestionsInTime: 1 } or { QuestionsLate: 1 } or { Complaints: 1 } => 1,
            _ => 0,
        }));

    [Fact]
    public void Plan_StepsOfSeveralJourneys_OneTransaction_SeatsCountsAndTaskRows()
    {
        var a = JourneyStep.Decide(Started("A"), [new TrialBooked(Now, Now.AddDays(2))], Policy, "A", "s1")!;
        var b = JourneyStep.Decide(Started("B"), [new QuestionAsked(Now, "q1")], Policy, "B", "s1")!;

        var plan = JourneyStepPlanner.Plan(Store, [], [a, b], MaxActions);

        Assert.Equal(2, plan.Accepted);
        var seat = Assert.Single(plan.ChangedGroups);
        Assert.Equal((GroupTier.Small, 1), (seat.Tier, seat.Members));
        Assert.Equal(seat.GroupId, plan.Writes[0].After.CohortGroupId);
        var counts = Assert.Single(plan.CounterDeltas);
        Assert.Equal((1L, 1L), (counts.Value.TrialsBooked, counts.Value.Questions));
        Assert.Equal("answer-question", Assert.Single(plan.Writes[1].TasksOpened).Task.Kind);
        // Journey rows (2), the new task row (1), the cohort group (1), the clerk's counter row (1).
        Assert.Equal(5, plan.ActionCount);
    }

    [Fact]
    public void Plan_FullCohorts_NoSeat_AndTheHistorySaysSo()
    {
        Group[] full = [new(GroupTier.Small, 1, 20, 20)];
        var step = JourneyStep.Decide(Started(), [new TrialBooked(Now, Now.AddDays(2))], Policy, "L1", "s1")!;

        var plan = JourneyStepPlanner.Plan(Store with { MaxGroupsPerTier = 1 }, full, [step], MaxActions);

        Assert.Empty(plan.ChangedGroups);
        Assert.Null(plan.Writes[0].After.CohortGroupId);
        Assert.Equal("no trial cohort seat: every cohort is full", plan.Writes[0].After.History[^1].What);
    }

    [Fact]
    public void Plan_StepsBeyondATransaction_WaitForTheNext()
    {
        var steps = Enumerable.Range(0, 60).Select(i =>
            JourneyStep.Decide(Started($"L{i}"), [new QuestionAsked(Now, "q1")], Policy, $"L{i}", "s1")!).ToList();

        var plan = JourneyStepPlanner.Plan(Store, [], steps, MaxActions);

        Assert.InRange(plan.Accepted, 1, 59);
        Assert.True(plan.ActionCount <= 100);
    }
}
