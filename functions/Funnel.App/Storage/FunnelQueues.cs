using Azure.Core;
using Azure.Storage.Queues;

namespace Funnel.App.Storage;

/// <summary>
/// The app's Storage queues, base64-encoded as the Functions host's queue trigger expects. Every queue has a
/// "-poison" twin where messages that cannot be processed are kept (never dropped).
/// </summary>
internal sealed class FunnelQueues
{
    public const string PurchasesName = "purchases";
    public const string OutboundMessagesName = "outbound-messages";
    public const string CampaignPushName = "campaign-push";
    public const string PoisonSuffix = "-poison";

    public FunnelQueues(StorageConnection connection, StorageRequestCounter counter)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(counter);
        var options = counter.Apply(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        options.MessageDecodingFailed += MoveUndecodableToPoisonAsync;
        Service = connection.ConnectionString is { } cs
            ? new QueueServiceClient(cs, options)
            : new QueueServiceClient(connection.QueueUri!, connection.Credential, options);
        Prefix = connection.QueuePrefix;
        Purchases = Service.GetQueueClient(Prefix + PurchasesName);
        PurchasesPoison = PoisonOf(Purchases);
        OutboundMessages = Service.GetQueueClient(Prefix + OutboundMessagesName);
        CampaignPush = Service.GetQueueClient(Prefix + CampaignPushName);
    }

    public QueueServiceClient Service { get; }
    public string Prefix { get; }
    public QueueClient Purchases { get; }
    public QueueClient PurchasesPoison { get; }

    /// <summary>Messages to leads, for the channel adapter (messaging app, SMS) to deliver.</summary>
    public QueueClient OutboundMessages { get; }

    /// <summary>A campaign push's fan-out: batches of at most 100 stores, and the delayed execution check.</summary>
    public QueueClient CampaignPush { get; }

    /// <summary>Every queue the app uses, with its poison twin.</summary>
    public IEnumerable<QueueClient> All =>
        [Purchases, PurchasesPoison, OutboundMessages, PoisonOf(OutboundMessages), CampaignPush, PoisonOf(CampaignPush)];

    public QueueClient PoisonOf(QueueClient queue) => Service.GetQueueClient(queue.Name + PoisonSuffix);

    /// <summary>
    /// A message that is not base64 (sent by hand or by a foreign client) cannot be read by the queue trigger: it
    /// goes to the poison queue as it is, instead of failing every receive of the messages behind it.
    /// </summary>
    private async Task MoveUndecodableToPoisonAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message) return;
        await PoisonOf(args.Queue).SendMessageAsync(message.Body, cancellationToken: args.CancellationToken);
        await args.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
    }
}
