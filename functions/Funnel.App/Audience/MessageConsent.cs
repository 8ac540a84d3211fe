using Funnel.App.Storage;
using Funnel.App.Triggers;
using Funnel.App.WeCom;
using Funnel.Core.Audience;

namespace Funnel.App.Audience;

/// <summary>
/// The last check before any message leaves, journey or broadcast, on either channel: the lead's consent now (an
/// opt-out after the message was decided still stops it), and for a broadcast's message the record of what the
/// channel did, on its target row. Without WeCom a broadcast's message is claimed in the delivery ledger before it is
/// logged, as WeCom's are, so a repeated message id is never sent twice there either.
/// </summary>
internal sealed partial class MessageConsent(
    PeopleStore people, BroadcastStore broadcasts, DeliveryLedger ledger, FunnelQueues queues, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger logger = loggers.CreateLogger("Funnel.Outbound");

    public const string Withheld = "withheld";

    /// <summary>What <see cref="LogAsync"/> answers for a message it logged.</summary>
    public const string Logged = "Logged.";

    /// <summary>Null when the message may go on <paramref name="channel"/>; else what was done instead (the lead opted out).</summary>
    public async Task<string?> WithheldAsync(OutboundMessage message, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if ((await people.ConsentAsync(message.LeadId, cancellationToken)).Allows(channel)) return null;
        await RecordOutcomeAsync(message, Withheld, BroadcastRules.OptedOut, cancellationToken);
        LogWithheld(logger, message.Template, message.StoreId);
        return "Withheld: the lead opted out.";
    }

    /// <summary>A delivery status as a broadcast's report names it: sent, failed, unconfirmed.</summary>
    public static string OutcomeOf(DeliveryStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A broadcast's message: what the channel did with it, on its target row.</summary>
    public Task RecordOutcomeAsync(OutboundMessage message, string outcome, string? reason, CancellationToken cancellationToken) =>
        message is { BroadcastId: { } id, TargetRow: { } row }
            ? broadcasts.MergeTargetAsync(id, row, new Dictionary<string, object?> { ["Outcome"] = outcome, ["OutcomeReason"] = reason }, cancellationToken)
            : Task.CompletedTask;

    /// <summary>The local stand-in for a channel: the message is logged (a broadcast's once per id), unless the lead opted out.</summary>
    public async Task<string> LogAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (await WithheldAsync(message, ConsentState.Web, cancellationToken) is { } withheld) return withheld;
        if (message.BroadcastId is null)
        {
            OutboundMessageLog.Logged(logger, message.Template, message.StoreId, message.LeadId, message.MessageId, message.At);
            return Logged;
        }
        var (claimed, existing) = await ledger.ClaimAsync(message, TimeProvider.System.GetUtcNow(), cancellationToken);
        if (existing is not null) return await RepeatAsync(message, existing, cancellationToken);
        OutboundMessageLog.Logged(logger, message.Template, message.StoreId, message.LeadId, message.MessageId, message.At);
        await ledger.FinishUncountedAsync(message, claimed!.Value, DeliveryStatus.Sent, "log", null, time.GetUtcNow(), cancellationToken);
        await RecordOutcomeAsync(message, OutcomeOf(DeliveryStatus.Sent), null, cancellationToken);
        return Logged;
    }

    /// <summary>
    /// A broadcast's message met its marker: its outcome again (the sender may have stopped before recording it). A marker
    /// still "sending" is another delivery of it at work (put back until it is done) or, after
    /// <see cref="SendingLimit"/>, a sender that stopped between its claim and the log line: unconfirmed, never logged twice.
    /// </summary>
    private async Task<string> RepeatAsync(OutboundMessage message, Azure.Data.Tables.TableEntity existing, CancellationToken cancellationToken)
    {
        var status = Enum.Parse<DeliveryStatus>(existing.GetString("Status") ?? nameof(DeliveryStatus.Sending));
        if (status == DeliveryStatus.Sending)
        {
            var age = TimeProvider.System.GetUtcNow() - (existing.GetDateTimeOffset("StartedAt") ?? default);
            if (age < SendingLimit)
            {
                await queues.OutboundMessages.SendMessageAsync(Journeys.JourneyJson.Write(message), SendingLimit - age + TimeSpan.FromSeconds(1), cancellationToken: cancellationToken);
                return "Put back: another delivery of it is logging it.";
            }
            await ledger.FinishUncountedAsync(message, existing.ETag, DeliveryStatus.Unconfirmed, null, "The sender stopped between its claim and the log.", time.GetUtcNow(), cancellationToken);
            status = DeliveryStatus.Unconfirmed;
        }
        await RecordOutcomeAsync(message, OutcomeOf(status), existing.GetString("Reason"), cancellationToken);
        return $"Repeat: already {status}.";
    }

    /// <summary>How long a broadcast's message may stay "sending" in the log before it is taken for a stopped sender's.</summary>
    public static readonly TimeSpan SendingLimit = TimeSpan.FromSeconds(15);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound message {Template} for store {StoreId} withheld: the lead opted out")]
    private static partial void LogWithheld(ILogger logger, string template, string storeId);
}
