using Funnel.Core.Audience;

namespace Funnel.App.Audience;

/// <summary>
/// A broadcast's report, counted from its target rows when asked (one range query over its partition).
/// <list type="bullet">
/// <item>targeted: the leads the segment picked when it was sent; pending: not yet decided (in quiet hours, or not reached yet);</item>
/// <item>queued: handed to the channel; delivering: of those, not yet answered by it; sent: the channel delivered it (or logged it, without WeCom); unconfirmed: the sender stopped while WeCom had it (never sent twice);</item>
/// <item>skipped, by reason: opted-out (also a lead who opted out after it was queued), frequency-cap, wecom-daily-limit, not-a-member;</item>
/// <item>failed, by reason: what the channel answered;</item>
/// <item>opened: leads who opened its tracked link; converted: leads who bought within its window after it was queued.</item>
/// </list>
/// </summary>
internal sealed record BroadcastReport(
    string BroadcastId, string SegmentId, BroadcastContent Content, string Status, DateTimeOffset SendAt, int WindowDays, DateTimeOffset CreatedAt, string CreatedBy,
    string? OwnerStoreId, int Targeted, int Pending, int Queued, int Delivering, int Sent, int Unconfirmed, Dictionary<string, int> Skipped, Dictionary<string, int> Failed, int Opened, int Converted,
    double? OpenRate, double? ConversionRate, DateTimeOffset? DoneAt)
{
    public static async Task<BroadcastReport?> ReadAsync(BroadcastStore broadcasts, string broadcastId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broadcasts);
        if (await broadcasts.GetAsync(broadcastId, cancellationToken) is not { } found) return null;
        var targets = await broadcasts.TargetsAsync(broadcastId, BroadcastStore.TargetPrefix, cancellationToken);
        var skipped = BroadcastRules.SkipReasons.ToDictionary(r => r, _ => 0, StringComparer.Ordinal);
        var failed = new Dictionary<string, int>(StringComparer.Ordinal);
        var (pending, queued, delivering, sent, unconfirmed, opened, converted) = (0, 0, 0, 0, 0, 0, 0);
        foreach (var t in targets)
        {
            if (t.Status == BroadcastStore.Skipped) skipped[t.Reason ?? "unknown"] = skipped.GetValueOrDefault(t.Reason ?? "unknown") + 1;
            else if (t.Status == BroadcastStore.Pending) pending++;
            else if (t.Outcome == MessageConsent.Withheld) skipped[BroadcastRules.OptedOut]++;
            else
            {
                queued++;
                if (t.Outcome == "sent") sent++;
                else if (t.Outcome == "unconfirmed") unconfirmed++;
                else if (t.Outcome == "failed") failed[t.OutcomeReason ?? "unknown"] = failed.GetValueOrDefault(t.OutcomeReason ?? "unknown") + 1;
                else delivering++;
            }
            if (t.OpenedAt is not null) opened++;
            if (t.ConvertedAt is not null) converted++;
        }
        var b = found.Broadcast;
        return new BroadcastReport(b.BroadcastId, b.SegmentId, b.Content, found.Header.GetString("Status") ?? "scheduled", b.SendAt, b.WindowDays, b.CreatedAt, b.CreatedBy,
            b.OwnerStoreId, found.Header.GetInt32("Targeted") ?? targets.Count, pending, queued, delivering, sent, unconfirmed, skipped, failed, opened, converted,
            Core.Funnels.Rate.Of(opened, sent), Core.Funnels.Rate.Of(converted, sent), found.Header.GetDateTimeOffset("doneAt"));
    }
}
