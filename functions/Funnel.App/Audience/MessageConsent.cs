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
internal sealed partial class MessageConsent(PeopleStore people, BroadcastStore broadcasts, DeliveryLedger ledger, Lanes.StoreLanes lanes, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger logger = loggers.CreateLogger("Funnel.Outbound");

    public const string Withheld = "withheld";

    /// <summary>Null when the message may go on <paramref name="channel"/>; else what was done instead (the lead opted out).</summary>
    public async Task<string?> WithheldAsync(OutboundMessage message, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if ((await people.ConsentAsync(message.LeadId, cancellationToken)).Allows(channel)) return null;
        await RecordOutcomeAsync(message, Withheld, BroadcastRules.OptedOut, cancellationToken);
        LogWithheld(logger, message.Template, message.StoreId);
        return "Withheld: the lead opted out.";
    }

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
            return "Logged.";
        }
        var (claimed, existing) = await ledger.ClaimAsync(message, TimeProvider.System.GetUtcNow(), cancellationToken);
        if (existing is not null) return $"Repeat: already {existing.GetString("Status")}.";
        OutboundMessageLog.Logged(logger, message.Template, message.StoreId, message.LeadId, message.MessageId, message.At);
        var store = await lanes.GetSettingsAsync(message.StoreId, cancellationToken);
        var now = time.GetUtcNow();
        await ledger.FinishAsync(message, claimed!.Value, DeliveryStatus.Sent, "log", null, now, store?.Policy.LocalDay(now) ?? DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
        await RecordOutcomeAsync(message, "sent", null, cancellationToken);
        return "Logged.";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound message {Template} for store {StoreId} withheld: the lead opted out")]
    private static partial void LogWithheld(ILogger logger, string template, string storeId);
}
