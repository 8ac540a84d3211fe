using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Funnel.Core.Purchases;

namespace Funnel.Pos;

/// <summary>
/// Publishes a POS's purchases to Funnel's Service Bus topic "purchases". Each purchase is checked first with the same
/// rules the app applies (a purchase the app would refuse is refused here, with every reason), then sent as JSON with
/// message id <c>{storeId}:{purchaseId}</c>, so the topic's duplicate detection drops a repeat within its window and
/// Funnel counts a later one once. The store is the partition key: purchases need no order (each counts on its own),
/// but on a partitioned topic a repeat must reach the same partition for duplicate detection to see it. Messages go
/// out in <see cref="ServiceBusMessageBatch"/>es as large as the namespace allows.
/// </summary>
public sealed class PurchasePublisher(ServiceBusSender sender)
{
    /// <summary>
    /// A client from a connection string ("Endpoint=sb://…") or a namespace host name ("contoso.servicebus.windows.net")
    /// with <paramref name="credential"/> (default: <see cref="DefaultAzureCredential"/>; the identity needs the
    /// "Azure Service Bus Data Sender" role on the topic).
    /// </summary>
    public static ServiceBusClient CreateClient(string connectionStringOrNamespace, TokenCredential? credential = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrNamespace);
        return connectionStringOrNamespace.Contains("Endpoint=", StringComparison.OrdinalIgnoreCase)
            ? new ServiceBusClient(connectionStringOrNamespace)
            : new ServiceBusClient(connectionStringOrNamespace, credential ?? new DefaultAzureCredential());
    }

    public static PurchasePublisher Create(ServiceBusClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new PurchasePublisher(client.CreateSender(PurchaseTopic.Name));
    }

    /// <summary>The message for one purchase; <see cref="ArgumentException"/> (with every reason) if Funnel would refuse it.</summary>
    public static ServiceBusMessage ToMessage(PurchaseMessage purchase)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        if (!purchase.TryValidate(out var valid, out var errors))
        {
            throw new ArgumentException($"Purchase '{purchase.PurchaseId}' is not one Funnel accepts: {string.Join(" ", errors)}", nameof(purchase));
        }
        return new ServiceBusMessage(BinaryData.FromObjectAsJson(purchase, PurchaseMessage.Json))
        {
            MessageId = PurchaseTopic.MessageIdOf(valid!.StoreId, valid.PurchaseId),
            PartitionKey = valid.StoreId,
            ContentType = PurchaseTopic.ContentType,
            Subject = "purchase",
            ApplicationProperties = { [PurchaseTopic.SchemaVersionProperty] = PurchaseTopic.SchemaVersion },
        };
    }

    /// <summary>
    /// Sends the purchases in as few batches as fit. Every purchase is checked before anything is sent, so a bad one
    /// sends none. Returns how many were sent. A failed send throws; sending the same purchases again is safe.
    /// </summary>
    public async Task<int> PublishAsync(IEnumerable<PurchaseMessage> purchases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        var messages = purchases.Select(ToMessage).ToList();
        var sent = 0;
        var batch = await sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            foreach (var message in messages)
            {
                if (batch.TryAddMessage(message)) continue;
                if (batch.Count == 0) throw new ArgumentException($"Purchase message {message.MessageId} is larger than a Service Bus message may be.", nameof(purchases));
                await sender.SendMessagesAsync(batch, cancellationToken);
                sent += batch.Count;
                batch.Dispose();
                batch = await sender.CreateMessageBatchAsync(cancellationToken);
                if (!batch.TryAddMessage(message)) throw new ArgumentException($"Purchase message {message.MessageId} is larger than a Service Bus message may be.", nameof(purchases));
            }
            if (batch.Count > 0)
            {
                await sender.SendMessagesAsync(batch, cancellationToken);
                sent += batch.Count;
            }
        }
        finally
        {
            batch.Dispose();
        }
        return sent;
    }
}
