using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.Core.Journeys;

namespace Funnel.App.Audience;

/// <summary>Where a broadcast's run is: before targeting (<see cref="Pending"/> null), sending its batches, or waiting for quiet hours to end.</summary>
/// <param name="NotYet">The last look found <see cref="SendAt"/> not reached by the app's clock: sleep before the next.</param>
internal sealed record BroadcastRun(
    string BroadcastId, DateTimeOffset SendAt, JourneyClock Clock, int LookSeconds, int Wave, IReadOnlyList<int>? Pending = null,
    IReadOnlyList<int>? Deferred = null, DateTimeOffset? DeferredTo = null, bool NotYet = false);

internal sealed record BroadcastBatchRequest(string BroadcastId, int Batch);

/// <summary>Targeting's answer: whether the send time has come by the app's clock, and the batches written.</summary>
internal sealed record BroadcastTargeted(bool Due, int Batches);

/// <summary>A batch's answer: the earliest moment its deferred leads (in their store's quiet hours) may be sent to, or null when none are left.</summary>
internal sealed record BroadcastBatchResult(DateTimeOffset? DeferredTo, int Queued, int Skipped);

/// <summary>
/// A broadcast on the durable engine, one instance per broadcast ("broadcast:{id}"). It sleeps until the send time
/// (<see cref="EngineSleep"/>), targets the segment once (<see cref="TargetBroadcast"/>), then sends the batches a
/// wave at a time (<see cref="SendBroadcastBatch"/>, <see cref="BroadcastRun.Wave"/> in parallel), continuing as new
/// after each wave so its history stays short. Batches with leads in quiet hours come round again when the hours end.
/// A crash anywhere replays to the last checkpoint, and each activity is safe to run again: a target's row says what
/// was done with it, and its message has a stable id the channel delivers once.
/// </summary>
internal sealed class BroadcastOrchestration : TaskOrchestration<string, string, string, string>
{
    public const string Name = "Broadcast";
    public const string Version = "1";

    public static string InstanceId(string broadcastId) => "broadcast:" + broadcastId;

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = JourneyJson.Read<BroadcastRun>(input);
        if (run.Pending is null)
        {
            await EngineSleep.UntilAsync(context, run.Clock, run.SendAt, run.LookSeconds, run.NotYet, "send-at");
            var targeted = await context.CallAsync<BroadcastTargeted>(TargetBroadcast.Name, TargetBroadcast.Version, run.BroadcastId);
            context.ContinueAsNew(Version, JourneyJson.Write(targeted.Due
                ? run with { Pending = [.. Enumerable.Range(0, targeted.Batches)], Deferred = [], NotYet = false }
                : run with { NotYet = true }));
            return "";
        }
        if (run.Pending.Count == 0)
        {
            if (run.Deferred is not { Count: > 0 } deferred)
            {
                await context.ScheduleWithRetry<string>(FinishBroadcast.Name, FinishBroadcast.Version, JourneyOrchestration.CommitRetry, run.BroadcastId);
                return "done";
            }
            await EngineSleep.UntilAsync(context, run.Clock, run.DeferredTo ?? run.SendAt, run.LookSeconds, false, "quiet-hours");
            context.ContinueAsNew(Version, JourneyJson.Write(run with { Pending = deferred, Deferred = [], DeferredTo = null }));
            return "";
        }
        var wave = run.Pending.Take(run.Wave).ToList();
        var outcomes = await Task.WhenAll(wave.Select(batch =>
            context.CallAsync<BroadcastBatchResult>(SendBroadcastBatch.Name, SendBroadcastBatch.Version, JourneyJson.Write(new BroadcastBatchRequest(run.BroadcastId, batch)))));
        var later = wave.Where((_, i) => outcomes[i].DeferredTo is not null).ToList();
        var deferredTo = outcomes.Select(o => o.DeferredTo).Append(run.DeferredTo).Where(d => d is not null).Min();
        context.ContinueAsNew(Version, JourneyJson.Write(run with
        {
            Pending = [.. run.Pending.Skip(run.Wave)], Deferred = [.. (run.Deferred ?? []), .. later], DeferredTo = deferredTo,
        }));
        return "";
    }
}
