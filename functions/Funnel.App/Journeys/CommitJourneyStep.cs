using System.Diagnostics.Metrics;
using System.Globalization;
using DurableTask.Core;
using Funnel.App.Lanes;
using Funnel.App.Storage;

namespace Funnel.App.Journeys;

/// <summary>
/// The activity that makes a decided step real. Activities run at least once, so it is built to run twice: the store
/// lane writes the journey row, task rows, counts and cohort seat in one transaction conditional on the journey row it
/// knows, and a step the row shows written already writes nothing. Then the step's messages go to outbound-messages
/// with stable ids (<c>{store}:{lead}:{version}:{n}</c>), also when the step was written before (the channel adapter
/// drops repeats), so a crash between the commit and the send loses no message.
/// </summary>
internal sealed class CommitJourneyStep(StoreLanes lanes, FunnelQueues queues, Points.PointsAwards points, Kocs.KocCredits kocs, LeadRepository leads, Audience.TagStore tags) : AsyncTaskActivity<string, string>
{
    public const string Name = "CommitJourneyStep";
    public const string Version = "1";

    private static readonly Meter Meter = new(JourneyService.MeterName);
    private static readonly Counter<long> Steps = Meter.CreateCounter<long>("funnel.journey.steps", description: "Journey steps committed (repeats: outcome=repeated).");
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("funnel.journey.messages", description: "Messages put on outbound-messages.");

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var request = JourneyJson.Read<CommitStepInput>(input);
        var step = request.Step;
        var commit = await lanes.CommitStepAsync(request.StoreId, step);
        Steps.Add(1, new KeyValuePair<string, object?>("outcome", commit.Conflict ? "conflict" : commit.Repeated ? "repeated" : "written"));
        var receipt = CommitStepInput.ReceiptOf(input);
        if (commit.Conflict) return JourneyJson.Write(new CommitStepResult(commit.State, JourneyRules.Of(commit.Settings), false, Conflict: true, For: receipt));
        // A completed trial's points, also when the step was written before (this activity re-run after a crash): keyed by the step, applied once.
        foreach (var metric in step.Metrics.Where(m => m.Metric == Core.Journeys.FunnelMetric.TrialCompleted))
        {
            await points.TrialCompletedAsync(step.LeadId, request.StoreId, step.Version, metric.At, CancellationToken.None);
        }
        await CreditKocAsync(request.StoreId, step, commit.Settings.Policy.TimeZone);
        // What the lead did, as behaviour tags (each once: a tag the lead has is not written again).
        foreach (var tag in Core.Audience.LeadTags.Of(step))
        {
            await tags.AddAsync(request.StoreId, step.LeadId, tag, "journey", step.After.History.Count > 0 ? step.After.History[^1].At : step.After.StageSince, CancellationToken.None);
        }
        for (var i = 0; i < step.Messages.Count; i++)
        {
            var message = step.Messages[i];
            var outbound = new OutboundMessage($"{request.StoreId}:{step.LeadId}:{step.Version}:{i}", request.StoreId, step.LeadId, step.After.ClerkId, message.Template, message.At);
            await queues.OutboundMessages.SendMessageAsync(JourneyJson.Write(outbound));
            Sent.Add(1);
        }
        return JourneyJson.Write(new CommitStepResult(commit.State, JourneyRules.Of(commit.Settings), commit.Repeated, For: receipt));
    }

    /// <summary>
    /// Questions answered in time or late and complaints of a KOC's recruit count on the KOC's card (keyed by the step and
    /// the metric's place in it, so a re-run applies them once). Only such steps read the membership, to find the KOC.
    /// </summary>
    private async Task CreditKocAsync(string storeId, Core.Journeys.JourneyStep step, TimeZoneInfo zone)
    {
        var metrics = step.Metrics.Select((m, i) => (m, i)).Where(x => Kocs.KocCredits.Counts(x.m.Metric)).ToList();
        if (metrics.Count == 0 || await leads.ReadMemberAsync(storeId, step.LeadId, CancellationToken.None) is not { Member.KocId: { } kocId }) return;
        foreach (var (metric, i) in metrics)
        {
            await kocs.JourneyMetricAsync(storeId, kocId, step.LeadId, string.Create(CultureInfo.InvariantCulture, $"{step.Version}:{i}"), metric.Metric, metric.At, zone, CancellationToken.None);
        }
    }
}
