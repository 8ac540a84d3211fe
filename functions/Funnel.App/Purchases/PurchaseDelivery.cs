using Azure.Messaging.ServiceBus;
using Funnel.Core.Purchases;

namespace Funnel.App.Purchases;

/// <summary>How a Service Bus delivery of a purchase was settled.</summary>
internal enum Settlement
{
    /// <summary>The purchase is durable (or was already): the message is removed.</summary>
    Completed,

    /// <summary>A failure that may pass: the lock is released and Service Bus delivers again, up to MaxDeliveryCount, then dead-letters.</summary>
    Abandoned,

    /// <summary>It can never succeed (not a purchase, an unknown store, a schema this app does not read): dead-lettered with the reason.</summary>
    DeadLettered,
}

/// <summary>
/// One delivery from topic "purchases", subscription "funnel" (<see cref="PurchaseTopic"/>), settled the way the Functions
/// host's trigger settles it: complete only after the purchase is durable; abandon on a transient failure; dead-letter,
/// with a reason an integrator can act on, a message that can never succeed. The purchase handler is the same one the
/// HTTP API, the Storage queue and the host's trigger use, so a repeat (a redelivery, a POS that sent twice past the
/// topic's duplicate window) counts once.
/// </summary>
internal static class PurchaseDelivery
{
    /// <summary>Service Bus keeps a dead-letter description of a few KB; the first errors are the useful ones.</summary>
    private const int MaxDescription = 1024;

    public static async Task<Settlement> SettleAsync(ProcessMessageEventArgs args, Func<Purchase, int, CancellationToken, Task<string>> process, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(process);
        var message = args.Message;
        var cancellationToken = args.CancellationToken;
        // A message without the schema property is read as the current schema (what POS integrations sent before it).
        if (message.ApplicationProperties.TryGetValue(PurchaseTopic.SchemaVersionProperty, out var version) && !Equals(version?.ToString(), PurchaseTopic.SchemaVersion))
        {
            return await DeadLetterAsync(args, logger, "UnsupportedSchemaVersion",
                $"schemaVersion '{version}' is not one this app reads; send schemaVersion '{PurchaseTopic.SchemaVersion}' (or none).");
        }
        if (!PurchaseMessage.TryRead(message.Body.ToString(), out var purchase, out var errors))
        {
            return await DeadLetterAsync(args, logger, "InvalidPurchase", string.Join(" ", errors));
        }
        string outcome;
        try
        {
            outcome = await process(purchase!, message.DeliveryCount, cancellationToken);
        }
        catch (PurchaseRejectedException e)
        {
            return await DeadLetterAsync(args, logger, "PurchaseRejected", e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Purchase message {MessageId} (delivery {DeliveryCount}) failed and will be delivered again", message.MessageId, message.DeliveryCount);
            await args.AbandonMessageAsync(message, cancellationToken: cancellationToken);
            return Settlement.Abandoned;
        }
        // Outside the try: a completion that fails (the lock was lost) is not a failed purchase to abandon; the
        // processor reports it, Service Bus delivers again, and the handler counts the repeat once.
        await args.CompleteMessageAsync(message, cancellationToken);
        logger.LogInformation("Purchase message {MessageId}: {Outcome}", message.MessageId, outcome);
        return Settlement.Completed;
    }

    private static async Task<Settlement> DeadLetterAsync(ProcessMessageEventArgs args, ILogger logger, string reason, string description)
    {
        if (description.Length > MaxDescription) description = description[..(MaxDescription - 1)] + "…";
        await args.DeadLetterMessageAsync(args.Message, reason, description, args.CancellationToken);
        logger.LogError("Purchase message {MessageId} dead-lettered ({Reason}): {Description}", args.Message.MessageId, reason, description);
        return Settlement.DeadLettered;
    }
}
