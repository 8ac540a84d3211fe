using Funnel.App.Extensions;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Audience;
using Microsoft.Extensions.Options;

namespace Funnel.App.Audience;

/// <summary>
/// Sends a batch of a broadcast: for each target still pending, decides by <see cref="BroadcastRules"/> (consent, the
/// store's quiet hours, the frequency cap, WeCom's limit); a send is first remembered on the lead's "received" row
/// (conditional: the cap holds however many broadcasts race), then put on outbound-messages with the stable id
/// "bc:{broadcastId}:{leadId}" (the channel delivers an id once), then the target is marked queued. A re-run after a
/// crash finds each step done or not: a target remembered but not marked is queued again under the same id. The lead's
/// membership notes the send (<see cref="Core.Scans.Member.LastBroadcastAt"/>), so a purchase looks for conversions only then.
/// </summary>
internal sealed class BroadcastSender(
    BroadcastStore broadcasts, PeopleStore people, StoreLanes lanes, LeadRepository leads, FunnelQueues queues, WeCom.WeComIdentities identities, BroadcastLinks links,
    IOptions<WeCom.WeComOptions> weCom, IOptions<BroadcastOptions> options, IOptions<FunnelOptions> funnel, TimeProvider time)
{
    public const string Template = "broadcast";
    private const int MaxAttempts = 10;

    public static string MessageId(string broadcastId, string leadId) => $"bc:{broadcastId}:{leadId}";

    public async Task<BroadcastBatchResult> SendBatchAsync(string broadcastId, int batch, CancellationToken cancellationToken)
    {
        var found = await broadcasts.GetAsync(broadcastId, cancellationToken) ?? throw new InvalidOperationException($"Broadcast {broadcastId} does not exist.");
        var targets = await broadcasts.TargetsAsync(broadcastId, BroadcastStore.BatchPrefix(batch), cancellationToken);
        using var gate = new SemaphoreSlim(8);
        var decided = await Task.WhenAll(targets.Where(t => t.Status == BroadcastStore.Pending).Select(async target =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await SendAsync(found.Broadcast, target, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return new BroadcastBatchResult(decided.Where(d => d.Outcome == BroadcastDecision.Defer).Select(d => d.DeferredTo).Min(),
            decided.Count(d => d.Outcome == BroadcastDecision.Send), decided.Count(d => d.Outcome == BroadcastDecision.Skip));
    }

    private async Task<BroadcastDecision> SendAsync(Broadcast broadcast, BroadcastTarget target, CancellationToken cancellationToken)
    {
        if (await lanes.GetSettingsAsync(target.StoreId, cancellationToken) is not { } store)
        {
            return await SkipAsync(broadcast, target, BroadcastRules.NotAMember, cancellationToken);
        }
        var channel = weCom.Value.IsEnabled && await identities.FindAsync(target.LeadId, cancellationToken) is not null ? ConsentState.WeCom : ConsentState.Web;
        var rules = options.Value.Rules();
        var journeyPolicy = Journeys.JourneyRules.Of(store).Policy();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = time.GetUtcNow();
            var (consent, received, etag) = await people.StateAsync(target.LeadId, cancellationToken);
            var decision = rules.Decide(broadcast.BroadcastId, consent, channel, received, journeyPolicy, now);
            if (decision.Outcome == BroadcastDecision.Defer) return decision;
            if (decision.Outcome == BroadcastDecision.Skip) return await SkipAsync(broadcast, target, decision.Reason!, cancellationToken);
            if (!received.Any(r => r.BroadcastId == broadcast.BroadcastId))
            {
                var next = new Received(broadcast.BroadcastId, now, channel == ConsentState.WeCom, target.RowKey, broadcast.WindowDays);
                if (!await people.TryRememberAsync(target.LeadId, rules.Remember(received, next, now, broadcast.WindowDays), etag, cancellationToken)) continue;
            }
            var message = new OutboundMessage(MessageId(broadcast.BroadcastId, target.LeadId), target.StoreId, target.LeadId, null, Template, now,
                Text: TextFor(broadcast, target, store.Name), BroadcastId: broadcast.BroadcastId, TargetRow: target.RowKey);
            await queues.OutboundMessages.SendMessageAsync(Journeys.JourneyJson.Write(message), cancellationToken);
            await leads.MarkBroadcastAsync(target.StoreId, target.LeadId, now, cancellationToken);
            await broadcasts.MergeTargetAsync(broadcast.BroadcastId, target.RowKey,
                new Dictionary<string, object?> { ["Status"] = BroadcastStore.Queued, ["QueuedAt"] = now, ["Channel"] = channel }, cancellationToken);
            return decision;
        }
        throw new InvalidOperationException($"A broadcast to a lead could not be recorded after {MaxAttempts} attempts.");
    }

    private async Task<BroadcastDecision> SkipAsync(Broadcast broadcast, BroadcastTarget target, string reason, CancellationToken cancellationToken)
    {
        await broadcasts.MergeTargetAsync(broadcast.BroadcastId, target.RowKey,
            new Dictionary<string, object?> { ["Status"] = BroadcastStore.Skipped, ["Reason"] = reason }, cancellationToken);
        return new BroadcastDecision(BroadcastDecision.Skip, reason);
    }

    /// <summary>The message: the broadcast's text ("{store}" becomes the store's name), and for a campaign asset its tracked link.</summary>
    private string TextFor(Broadcast broadcast, BroadcastTarget target, string storeName)
    {
        var text = (broadcast.Content.Text ?? "").Replace("{store}", storeName, StringComparison.Ordinal);
        if (broadcast.Content.AssetId is null) return text;
        var link = $"{funnel.Value.PublicBaseUrl.TrimEnd('/')}{BroadcastsApi.LinkPath}/{links.Sign(broadcast.BroadcastId, target.RowKey)}";
        return text.Length == 0 ? link : $"{text} {link}";
    }
}
