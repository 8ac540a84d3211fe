using Funnel.App.Journeys;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using static Funnel.App.Tests.Journeys.OrchestrationHarness;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// The journey orchestration over a mocked engine context (<see cref="OrchestrationHarness"/>): where a generation ends
/// with ContinueAsNew, what it carries into the next, and that it never ends with a durable timer still set.
/// </summary>
public sealed class JourneyGenerationTests
{
    [Fact]
    public async Task RunTask_SixteenSteps_ContinuesAsNewWithTheAnsweredStateAndRules()
    {
        var h = new OrchestrationHarness { AnswerRules = Rules(new JourneySettings(MaxMessagesPerDay: 3)) };
        h.Start(null, pending: Scan(T0));
        for (var i = 1; i < JourneyOrchestration.DefaultStepsPerGeneration; i++) h.Raise("content-opened", T0.AddMinutes(i), $"open:{i}");
        var last = h.Commit();
        while (!h.Run.IsCompleted) last = h.Commit();
        Assert.Equal("", await h.Run);
        Assert.Equal((16, 0), (h.Activities.Count, h.Timers.Count));
        var (version, carried) = Assert.Single(h.ContinuedAsNew);
        Assert.Equal("1", version);
        var input = JourneyJson.Read<JourneyInput>(Assert.IsType<string>(carried));
        Assert.Equal(("s1", "lead-1", JourneyClock.RealTime, h.AnswerRules), (input.StoreId, input.LeadId, input.Clock, input.Rules));
        Assert.Equal(JourneyJson.Write(last.After), JourneyJson.Write(input.State));
        Assert.Equal((16, 0), (input.State!.Version, input.Pending.Count));
        Assert.Equal(["scan:1:applied", .. Enumerable.Range(1, 15).Select(i => $"open:{i}:applied")], input.Outcomes!.Select(o => $"{o.EventId}:{o.Outcome}"));
    }

    [Fact]
    public async Task RunTask_ConfiguredStepsPerGeneration_CutsAtTheInputsCountAndPassesTheConfiguredOneOn()
    {
        var h = new OrchestrationHarness(nextStepsPerGeneration: 5) { StepsPerGeneration = 2 };
        h.StartNew();
        h.Apply("content-opened", T0.AddHours(1), "open:1");
        Assert.False(h.Run.IsCompleted); // two passes, but the timer it set still waits: cut now and it would fire for nothing
        h.FireAndCommit();
        Assert.Equal("", await h.Run); // the timer was taken: the generation ends where it would set the next one
        var input = JourneyJson.Read<JourneyInput>(Assert.IsType<string>(Assert.Single(h.ContinuedAsNew).Input));
        Assert.Equal((5, 3), (input.StepsPerGeneration, input.State!.Version));
        Assert.Single(h.Timers);
    }

    [Fact]
    public async Task RunTask_ManyEventsWhileATimerIsSet_CutsOnlyOnceNoTimerIsSet()
    {
        var h = new OrchestrationHarness { StepsPerGeneration = 2 };
        h.StartNew();
        h.Apply(new JourneyEventMessage("question-asked", T0.AddHours(1), "q:1", QuestionId: "q1")); // the answer deadline comes first
        h.Waits(T0.AddHours(5), TimerKind.AnswerDeadline);
        h.Apply(new JourneyEventMessage("question-answered", T0.AddHours(2), "a:1", QuestionId: "q1"));
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent); // the first timer again, set once
        for (var i = 1; i <= 4; i++) h.Apply("content-opened", T0.AddHours(2 + i), $"open:{i}");
        Assert.Equal((2, false), (h.Timers.Count, h.Run.IsCompleted)); // seven passes, two timers set: no cut yet
        h.FireAndCommit(); // the deadline (for nothing), then the content: both fired
        Assert.Equal("", await h.Run);
        Assert.Single(h.ContinuedAsNew);
    }
}
