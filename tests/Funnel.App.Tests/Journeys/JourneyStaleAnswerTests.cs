using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.App.Kocs;
using Funnel.Core.Journeys;
using Moq;
using static Funnel.App.Tests.Journeys.OrchestrationHarness;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// Answers meant for other tasks. The engine matches an answer to its task by the task's id, and after a crash one id
/// can name two tasks: the lost pass sent its commit before its history was written, and the replay, with its events in
/// another order, gave that id to another commit or to a timer (seen in <see cref="JourneyCrashTests"/>: a complaint took
/// the answer of the trial booking that the lost pass had committed, and was never written). The journey takes only its
/// own commit's answer, and a timer only when its time has come.
/// </summary>
public sealed class JourneyStaleAnswerTests
{
    [Fact]
    public void RunTask_CommitAnsweredWithAnotherStepsAnswer_AsksAgainAndDecidesFromWhatWasWritten()
    {
        // The step the lost pass committed: the trial booking, written as version 2.
        var lost = Started();
        var booking = new JourneyEventMessage("trial-booked", T0.AddHours(1), "book:1", Slot: T0.AddDays(2));
        lost.Raise(booking);
        var bookingInput = lost.LastActivity.InputJson;
        var booked = lost.Commit();
        var bookedAnswer = JourneyJson.Write(new CommitStepResult(booked.After, Defaults, false, For: CommitStepInput.ReceiptOf(bookingInput)));

        // The replay took the complaint first, and the engine hands its commit the booking's answer.
        var h = Started();
        h.Raise("complaint", T0.AddHours(1), "complaint:1");
        var complaintInput = h.LastActivity.InputJson;
        h.Answer(bookedAnswer);
        Assert.Equal(3, h.Activities.Count);
        Assert.Equal(complaintInput, h.LastActivity.InputJson); // the same commit, asked again
        Assert.Equal("awareness v1 [scan:1:applied]", h.Status()); // nothing taken from the booking's answer

        // Its own answer: the booking holds version 2, so the complaint is decided again from it and written as version 3.
        h.Conflict(booked.After);
        var complaint = h.LastActivity.Step;
        Assert.Equal((2, 3, JourneyStage.GuidedTrial), (complaint.Before!.Version, complaint.After.Version, complaint.After.Stage));
        Assert.Equal(["scan:1", "book:1", "complaint:1"], complaint.After.RecentEventIds);
        h.Commit();
        h.Raise(booking); // the booking's own event, when it comes: written already
        Assert.Equal(4, h.Activities.Count);
        Assert.Equal("guided-trial v3 [scan:1:applied, complaint:1:applied, book:1:duplicate]", h.Status());
    }

    [Fact]
    public void RunTask_CommitAnsweredWithATimersFiring_AsksAgainInsteadOfFailing()
    {
        var h = Started();
        h.Raise("content-opened", T0.AddHours(1), "open:1");
        var input = h.LastActivity.InputJson;
        h.Answer("3"); // what the engine answers for timer 3
        Assert.Equal(input, h.LastActivity.InputJson);
        h.Commit();
        Assert.Equal("awareness v2 [scan:1:applied, open:1:applied]", h.Status());
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public void RunTask_CommitAnsweredWithoutAReceipt_TakesIt()
    {
        // An answer written before answers carried receipts is the commit's own, as it was then: a replay of such a
        // history must not ask again (the engine would find a task its history never had).
        var h = Started();
        var opened = h.LastActivity;
        h.Raise("content-opened", T0.AddHours(1), "open:1");
        var step = h.LastActivity.Step;
        h.Answer(JourneyJson.Write(new CommitStepResult(step.After, Defaults, false)));
        Assert.NotSame(opened, h.LastActivity);
        Assert.Equal(2, h.Activities.Count);
        Assert.Equal("awareness v2 [scan:1:applied, open:1:applied]", h.Status());
    }

    [Fact]
    public async Task CallAsync_AnsweredWithATimersIdFirst_AsksAgainAndReadsTheAnswer()
    {
        // The month's orchestration: the lost pass waited on a timer (id 0), the replay, past the month's end, called the activity with id 0.
        var (context, inputs) = Answers("0", """{"month":"2026-12","dueAt":"2027-01-01T00:00:00+00:00","assessed":true,"kocs":3}""");
        var result = await context.Object.CallAsync<KocMonthResult>(AssessKocMonth.Name, AssessKocMonth.Version, "{}");
        Assert.Equal(("2026-12", true, 3), (result.Month, result.Assessed, result.Kocs));
        Assert.Equal(["{}", "{}"], inputs);
    }

    [Fact]
    public async Task CallAsync_NeverItsAnswer_FailsSayingWhy()
    {
        var (context, inputs) = Answers([.. Enumerable.Repeat("0", EngineCalls.MaxAsks)]);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => context.Object.CallAsync<KocMonthResult>(AssessKocMonth.Name, AssessKocMonth.Version, "{}"));
        Assert.Contains("answers meant for other tasks", failure.Message, StringComparison.Ordinal);
        Assert.Equal(EngineCalls.MaxAsks, inputs.Count);
    }

    /// <summary>An engine context whose activity calls are answered with <paramref name="answers"/> in turn, and the inputs they were asked with.</summary>
    private static (Mock<OrchestrationContext> Context, List<string> Inputs) Answers(params string[] answers)
    {
        var context = new Mock<OrchestrationContext>(MockBehavior.Strict);
        var inputs = new List<string>();
        var next = new Queue<string>(answers);
        context.Setup(c => c.ScheduleWithRetry<string>(AssessKocMonth.Name, AssessKocMonth.Version, It.IsAny<RetryOptions>(), It.IsAny<object[]>()))
            .Returns((string _, string _, RetryOptions _, object[] args) =>
            {
                inputs.Add((string)args[0]);
                return Task.FromResult(next.Dequeue());
            });
        return (context, inputs);
    }

    [Fact]
    public void RunTask_TimerCompletedLongBeforeItsTime_WaitsForItAgain()
    {
        var h = Started();
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent);
        h.Now = T0.AddHours(1).UtcDateTime;
        h.LastTimer.Fired.SetResult("{\"state\":{}}"); // another task's answer, a day early
        Assert.Single(h.Activities); // no content sent
        Assert.Equal(2, h.Timers.Count);
        h.Waits(T0.AddDays(1), TimerKind.AwarenessContent); // set again
        var content = h.FireAndCommit();
        Assert.Equal([Message("awareness-content-1", T0.AddDays(1))], MessagesOf(content));
    }
}
