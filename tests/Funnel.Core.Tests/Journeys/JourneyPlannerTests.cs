using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Journeys;
using Funnel.Core.Stores;

namespace Funnel.Core.Tests.Journeys;

public sealed class JourneyPlannerTests
{
    private static readonly StorePolicy Store = new(200, 2, TimeZoneInfo.Utc);
    private static readonly JourneyPolicy Policy = new(TimeZoneInfo.Utc);
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 23);

    private static JourneyPlan Plan(IReadOnlyList<JourneyInput> inputs, IReadOnlyList<Group>? groups = null, int maxActions = 100) =>
        JourneyPlanner.Plan(Store, Policy, groups ?? [], "s1", inputs, maxActions);

    private static JourneyState Started(string lead = "L1") => Plan([new(lead, null, [new Scanned(Now, "c1")])]).Writes[0].After;

    [Fact]
    public void Plan_FirstScan_WritesJourneyOutboxAndDueRow()
    {
        var plan = Plan([new("L1", null, [new Scanned(Now, "c1")])]);

        var write = Assert.Single(plan.Writes);
        Assert.Null(write.Stored);
        Assert.Equal(JourneyStage.Awareness, write.After.Stage);
        Assert.Equal(["welcome"], write.Messages.Select(m => m.Template));
        Assert.True(write.DueMoved);
        Assert.Equal(3, write.Actions); // journey, outbox, due entry
        Assert.Equal(3, plan.ActionCount);
        Assert.Empty(plan.CounterDeltas);
    }

    [Fact]
    public void Plan_SameLeadTwiceInABatch_ChainsTheStatesIntoOneWrite()
    {
        var plan = Plan([
            new("L1", null, [new Scanned(Now, "c1")]),
            new("L1", null, [new TrialBooked(Now, Now.AddDays(2))]),
        ]);

        Assert.Equal(2, plan.Accepted);
        var write = Assert.Single(plan.Writes);
        Assert.Null(write.Stored);
        Assert.Equal(JourneyStage.GuidedTrial, write.After.Stage);
        Assert.Same(plan.Results[0].After, plan.Results[1].Before);
        Assert.Equal(["welcome"], write.Messages.Select(m => m.Template));
        Assert.Equal(new FunnelCounts(0, 0, 0, TrialsBooked: 1), plan.CounterDeltas[new CounterKey(Today, "c1")]);
    }

    [Fact]
    public void Plan_TrialBooked_SeatsTheLeadInASmallCohort()
    {
        var plan = Plan([new("L1", Started(), [new TrialBooked(Now, Now.AddDays(2))])]);

        var cohort = Assert.Single(plan.ChangedGroups);
        Assert.Equal((GroupTier.Small, 1, StorePolicy.DefaultCohortCapacity), (cohort.Tier, cohort.Members, cohort.Capacity));
        Assert.Equal(cohort.GroupId, plan.Writes[0].After.CohortGroupId);
        Assert.Contains(plan.Writes[0].After.History, h => h.What.Contains(cohort.GroupId, StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_EveryCohortFull_BooksTheTrialWithoutASeatAndSaysSo()
    {
        List<Group> full = [new Group(GroupTier.Small, 1, 20, 20), new Group(GroupTier.Small, 2, 20, 20)];

        var plan = Plan([new("L1", Started(), [new TrialBooked(Now, Now.AddDays(2))])], full);

        Assert.Empty(plan.ChangedGroups);
        Assert.Equal(JourneyStage.GuidedTrial, plan.Writes[0].After.Stage);
        Assert.Null(plan.Writes[0].After.CohortGroupId);
        Assert.Contains(plan.Writes[0].After.History, h => h.What.Contains("every cohort is full", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_QuestionAskedThenAnswered_OpensThenClosesTheTaskRow()
    {
        var started = Started();
        var asked = Plan([new("L1", started, [new QuestionAsked(Now, "q1")])]).Writes[0];
        var answered = Plan([new("L1", asked.After, [new QuestionAnswered(Now.AddHours(1), "q1")])]).Writes[0];

        Assert.Equal("answer-question", Assert.Single(asked.TasksOpened).Task.Kind);
        Assert.Equal("c1", asked.TasksOpened[0].Owner);
        Assert.Empty(answered.TasksOpened);
        Assert.Equal(asked.TasksOpened, answered.TasksClosed);
    }

    [Fact]
    public void Plan_StaleTimer_WritesNothing()
    {
        var started = Started();
        var gone = new JourneyTimer(TimerKind.AwarenessContent, Now.AddDays(1), 99, "1");

        var plan = Plan([new("L1", started, [new TimerFired(Now.AddDays(1), gone)])]);

        Assert.Equal(1, plan.Accepted);
        Assert.Empty(plan.Writes);
        Assert.False(plan.Results[0].Changed);
        Assert.Equal(0, plan.ActionCount);
    }

    [Fact]
    public void Plan_MoreThanFitsInOneTransaction_StopsAtTheBudget()
    {
        var inputs = Enumerable.Range(0, 40).Select(i => new JourneyInput($"L{i}", null, [new Scanned(Now, "c1")])).ToList();

        var plan = Plan(inputs, maxActions: 100);

        Assert.Equal(33, plan.Accepted); // 3 actions each
        Assert.Equal(99, plan.ActionCount);
        Assert.Equal(33, plan.Writes.Count);
    }

    [Fact]
    public void Plan_NoJourneyAndNoScan_StartsNothing()
    {
        var plan = Plan([new("L1", null, [new Purchased(Now)])]);

        Assert.Empty(plan.Writes);
        Assert.Null(plan.Results[0].After);
    }

    [Fact]
    public void Plan_MetricsOfAStoreCodeLead_CountOnTheStoresOwnRow()
    {
        var storeLead = Plan([new("L1", null, [new Scanned(Now, null)])]).Writes[0].After;

        var plan = Plan([new("L1", storeLead, [new Complained(Now)])]);

        Assert.Equal(new FunnelCounts(0, 0, 0, Complaints: 1), plan.CounterDeltas[new CounterKey(Today, null)]);
    }
}
