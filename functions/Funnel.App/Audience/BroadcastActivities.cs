using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.Core.Audience;
using Microsoft.Extensions.Options;

namespace Funnel.App.Audience;

/// <summary>How broadcasts run: batch size, batches in flight, the brand-wide frequency cap.</summary>
internal sealed class BroadcastOptions
{
    public const string Section = "Broadcasts";

    /// <summary>Targets per batch (one activity, one range query).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Batches sent at once.</summary>
    public int Wave { get; set; } = 4;

    /// <summary>The frequency cap: at most this many broadcasts per lead in <see cref="CapWindowDays"/> days, brand-wide.</summary>
    public int MaxPerLead { get; set; } = 2;

    public int CapWindowDays { get; set; } = 7;

    public BroadcastRules Rules() => new(MaxPerLead, CapWindowDays);
}

/// <summary>
/// Targets a broadcast once its send time has come by the app's clock: evaluates the segment, writes one target row
/// per lead in batches, and marks the broadcast sending. A broadcast already targeted answers its batches again.
/// </summary>
internal sealed class TargetBroadcast(BroadcastStore broadcasts, SegmentStore segments, SegmentEvaluator evaluator, TimeProvider time, IOptions<BroadcastOptions> options)
    : AsyncTaskActivity<string, string>
{
    public const string Name = "TargetBroadcast";
    public const string Version = "1";

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var found = await broadcasts.GetAsync(input, CancellationToken.None) ?? throw new InvalidOperationException($"Broadcast {input} does not exist.");
        if (found.Header.GetInt32("Batches") is { } batches) return JourneyJson.Write(new BroadcastTargeted(true, batches));
        var now = time.GetUtcNow();
        if (now < found.Broadcast.SendAt) return JourneyJson.Write(new BroadcastTargeted(false, 0));
        var segment = await segments.GetAsync(found.Broadcast.SegmentId, CancellationToken.None)
            ?? throw new InvalidOperationException($"Segment {found.Broadcast.SegmentId} does not exist.");
        var result = await evaluator.EvaluateAsync(segment.Scope, segment.Filter, now, CancellationToken.None);
        var size = Math.Max(1, options.Value.BatchSize);
        await broadcasts.WriteTargetsAsync(input, [.. result.Members.Select(m => (m.LeadId, m.StoreId))], size, CancellationToken.None);
        var count = (result.Members.Count + size - 1) / size;
        await broadcasts.SetProgressAsync(input, "sending", result.Members.Count, count, now, CancellationToken.None);
        return JourneyJson.Write(new BroadcastTargeted(true, count));
    }
}

/// <summary>Marks a broadcast done once every batch has been through.</summary>
internal sealed class FinishBroadcast(BroadcastStore broadcasts, TimeProvider time) : AsyncTaskActivity<string, string>
{
    public const string Name = "FinishBroadcast";
    public const string Version = "1";

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        await broadcasts.SetProgressAsync(input, "done", null, null, time.GetUtcNow(), CancellationToken.None);
        return "";
    }
}

/// <summary>Sends one batch of a broadcast (<see cref="BroadcastSender"/>).</summary>
internal sealed class SendBroadcastBatch(BroadcastSender sender) : AsyncTaskActivity<string, string>
{
    public const string Name = "SendBroadcastBatch";
    public const string Version = "1";

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var request = JourneyJson.Read<BroadcastBatchRequest>(input);
        return JourneyJson.Write(await sender.SendBatchAsync(request.BroadcastId, request.Batch, CancellationToken.None));
    }
}
