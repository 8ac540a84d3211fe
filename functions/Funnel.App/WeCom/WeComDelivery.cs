using Funnel.App.Audience;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.App.Triggers;
using Funnel.Core.WeCom;
using Microsoft.Extensions.Options;

namespace Funnel.App.WeCom;

/// <summary>
/// The WeCom channel adapter: a journey's outbound message to a lead that WeCom knows (the customer-added callback
/// sealed its external user id into the vault) goes out through WeCom; a lead without one (a web scan) is logged as
/// before. Quiet hours and the store's daily cap were applied when the journey decided the message.
/// <list type="bullet">
/// <item>Once: the message is claimed by its marker (<see cref="DeliveryLedger"/>) before WeCom is called, and a
/// message with a marker is never sent again. A marker left "sending" (the sender was killed between WeCom's answer
/// and the record) is reported unconfirmed after <see cref="WeComOptions.UnconfirmedAfterSeconds"/>: never sent twice,
/// never silently lost.</item>
/// <item>The welcome: a lead added with a welcome code was welcomed by the callback (WeCom takes a code once), so the
/// journey's "welcome" is recorded as sent by it, not sent again as a template.</item>
/// <item>WeCom "busy" or rate limited (after the client's own retries), or not reached at all: the claim is released
/// and the message put back on the queue later (<see cref="WeComOptions.DeliveryRetrySeconds"/>, doubling), failed
/// after <see cref="MaxAttempts"/>. A permanent errcode, or WeCom's fail_list (the customer's limit is reached, or they
/// are no longer a contact), is a failure with WeCom's reason, on the lead's history and in the store's counts.</item>
/// </list>
/// </summary>
internal sealed partial class WeComDelivery(
    WeComIdentities identities, DeliveryLedger ledger, WeComClient client, StoreLanes lanes, FunnelQueues queues, TimeProvider time,
    IOptions<WeComOptions> options, MessageConsent consent, ILogger<WeComDelivery> logger)
{
    public const int MaxAttempts = 5;
    private readonly WeComOptions _options = options.Value;

    /// <summary>Real time: how long a marker has been "sending" is WeCom's business, not the (maybe scaled) app clock's.</summary>
    public TimeProvider RealTime { get; init; } = TimeProvider.System;

    public async Task<string> ProcessAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (await identities.FindAsync(message.LeadId, cancellationToken) is not { } contact)
        {
            var logged = await consent.LogAsync(message, cancellationToken);
            return logged == MessageConsent.Logged ? "Logged: the lead has no WeCom contact." : logged;
        }
        if (await consent.WithheldAsync(message, Core.Audience.ConsentState.WeCom, cancellationToken) is { } withheld) return withheld;
        if (await lanes.GetSettingsAsync(message.StoreId, cancellationToken) is not { } store) return $"Dropped: store {message.StoreId} no longer exists.";
        var day = store.Policy.LocalDay(time.GetUtcNow());
        var (claimed, existing) = await ledger.ClaimAsync(message, RealTime.GetUtcNow(), cancellationToken);
        if (existing is not null)
        {
            var status = Enum.Parse<DeliveryStatus>(existing.GetString("Status") ?? nameof(DeliveryStatus.Sending));
            if (status != DeliveryStatus.Sending)
            {
                // The outcome again on a broadcast's target (the sender may have stopped between the marker and it).
                await consent.RecordOutcomeAsync(message, MessageConsent.OutcomeOf(status), existing.GetString("Reason"), cancellationToken);
                return $"Repeat: already {status}.";
            }
            var age = RealTime.GetUtcNow() - (existing.GetDateTimeOffset("StartedAt") ?? default);
            var limit = TimeSpan.FromSeconds(_options.UnconfirmedAfterSeconds);
            if (age < limit) return await PutBackAsync(message, limit - age + TimeSpan.FromSeconds(1), "another delivery of it is sending it", cancellationToken);
            await ledger.FinishAsync(message, existing.ETag, DeliveryStatus.Unconfirmed, null,
                "The sender stopped between asking WeCom and recording its answer; WeCom may have it, so it is not sent again.", time.GetUtcNow(), day, cancellationToken);
            await consent.RecordOutcomeAsync(message, MessageConsent.OutcomeOf(DeliveryStatus.Unconfirmed), "The sender stopped mid-call; WeCom may have it, so it is not sent again.", cancellationToken);
            LogUnconfirmed(logger, message.StoreId, message.Template);
            return "Unconfirmed.";
        }

        (DeliveryStatus Status, string? Via, string? Reason) outcome;
        try
        {
            outcome = await SendAsync(message, contact, store.Name, cancellationToken);
        }
        catch (Exception e) when (IsNotDone(e))
        {
            await ledger.ReleaseAsync(message, claimed!.Value, cancellationToken);
            if (message.Attempt + 1 < MaxAttempts)
            {
                var delay = TimeSpan.FromSeconds(_options.DeliveryRetrySeconds * Math.Pow(2, message.Attempt));
                return await PutBackAsync(message with { Attempt = message.Attempt + 1 }, delay, e.Message, cancellationToken);
            }
            // Claimed again: the release let a later copy in, and the failure is recorded once, by whoever claims it.
            (claimed, existing) = await ledger.ClaimAsync(message, RealTime.GetUtcNow(), cancellationToken);
            if (existing is not null) return "Repeat: another copy of the message holds it.";
            outcome = (DeliveryStatus.Failed, null, $"WeCom did not take the message in {MaxAttempts} attempts: {e.Message}");
        }
        await ledger.FinishAsync(message, claimed!.Value, outcome.Status, outcome.Via, outcome.Reason, time.GetUtcNow(), day, cancellationToken);
        await consent.RecordOutcomeAsync(message, MessageConsent.OutcomeOf(outcome.Status), outcome.Reason, cancellationToken);
        if (outcome.Status == DeliveryStatus.Failed) LogFailed(logger, message.StoreId, message.Template, outcome.Reason ?? "");
        return $"{outcome.Status}{(outcome.Via is null ? "" : $" via {outcome.Via}")}.";
    }

    private async Task<(DeliveryStatus, string?, string?)> SendAsync(OutboundMessage message, WeComContact contact, string storeName, CancellationToken cancellationToken)
    {
        if (message.Template == "welcome" && contact.WelcomeCode is not null) return (DeliveryStatus.Sent, "welcome-code", null);
        if ((message.Text ?? _options.TextFor(message.Template)) is not { } text)
        {
            return (DeliveryStatus.Failed, null, $"No text for template '{message.Template}': set WeCom:MessageTexts:{message.Template}.");
        }
        try
        {
            var sent = await client.SendToCustomerAsync(contact.ExternalUserId, message.ClerkId ?? contact.ClerkId, text.Replace("{store}", storeName, StringComparison.Ordinal), cancellationToken);
            return sent.Accepted
                ? (DeliveryStatus.Sent, "message-template", null)
                : (DeliveryStatus.Failed, null, "WeCom will not deliver to this customer: their message limit is reached, or they are no longer a contact (fail_list).");
        }
        catch (WeComException e) when (e.Outcome == WeComOutcome.Permanent)
        {
            return (DeliveryStatus.Failed, null, $"WeCom refused it (errcode {e.ErrCode}): {e.Message}");
        }
    }

    /// <summary>WeCom certainly did not act: it answered busy or rate limited, or the connection was never made.</summary>
    private static bool IsNotDone(Exception e) =>
        e is WeComException { Outcome: WeComOutcome.Retry or WeComOutcome.RateLimited }
        || e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    /// <summary>Puts the message back on the queue, visible after <paramref name="delay"/> (the queue's limit is 7 days).</summary>
    private async Task<string> PutBackAsync(OutboundMessage message, TimeSpan delay, string why, CancellationToken cancellationToken)
    {
        await queues.OutboundMessages.SendMessageAsync(Journeys.JourneyJson.Write(message), delay, cancellationToken: cancellationToken);
        return $"Put back for {delay.TotalSeconds:0} s: {why}.";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom message {Template} at store {StoreId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string storeId, string template, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom message {Template} at store {StoreId} is unconfirmed: its sender stopped mid-call")]
    private static partial void LogUnconfirmed(ILogger logger, string storeId, string template);
}
