using Azure.Messaging.ServiceBus;
using Funnel.Core.Purchases;
using Funnel.Pos;
using Funnel.PosTool;
using Moq;

namespace Funnel.App.Tests.Purchases;

/// <summary>
/// The POS's end of Service Bus: the message each purchase becomes, and batching. No Service Bus emulator runs here, so
/// the SDK's sender is a Moq mock and its batches come from <see cref="ServiceBusModelFactory"/>.
/// </summary>
public sealed class PurchasePublisherTests
{
    private static PurchaseMessage Purchase(string id, string store = "s1", decimal amount = 88.8m) => new()
    {
        PurchaseId = id, StoreId = store, ShopperId = "shopper-1", Amount = amount, Currency = "CNY",
        Items = [new() { Sku = "SKU-1", Qty = 1, Price = amount }], PurchasedAt = new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero),
    };

    /// <summary>A sender whose batches hold at most <paramref name="perBatch"/> messages; what each sent batch held is in the list.</summary>
    private static (Mock<ServiceBusSender> Sender, List<List<ServiceBusMessage>> Sent) Sender(int perBatch)
    {
        var sender = new Mock<ServiceBusSender>(MockBehavior.Strict);
        var sent = new List<List<ServiceBusMessage>>();
        var batches = new Dictionary<ServiceBusMessageBatch, List<ServiceBusMessage>>();
        sender.Setup(s => s.CreateMessageBatchAsync(It.IsAny<CancellationToken>())).Returns(() =>
        {
            var held = new List<ServiceBusMessage>();
            var batch = ServiceBusModelFactory.ServiceBusMessageBatch(256 * 1024, held, tryAddCallback: _ => held.Count < perBatch);
            batches[batch] = held;
            return ValueTask.FromResult(batch);
        });
        sender.Setup(s => s.SendMessagesAsync(It.IsAny<ServiceBusMessageBatch>(), It.IsAny<CancellationToken>()))
            .Callback((ServiceBusMessageBatch b, CancellationToken _) => sent.Add([.. batches[b]]))
            .Returns(Task.CompletedTask);
        return (sender, sent);
    }

    [Fact]
    public void ToMessage_IdIsStoreAndPurchase_BodyIsWhatTheAppReads()
    {
        var message = PurchasePublisher.ToMessage(Purchase("p1"));

        Assert.Equal(("s1:p1", "s1", "application/json", "purchase"), (message.MessageId, message.PartitionKey, message.ContentType, message.Subject));
        Assert.Equal(PurchaseTopic.SchemaVersion, message.ApplicationProperties[PurchaseTopic.SchemaVersionProperty]);
        Assert.True(PurchaseMessage.TryRead(message.Body.ToString(), out var read, out var errors), string.Join(" ", errors));
        Assert.Equal(("p1", "s1", "shopper-1", 88.8m, 1), (read!.PurchaseId, read.StoreId, read.ShopperId, read.Amount, read.Items.Count));
    }

    [Fact]
    public async Task Publish_FillsBatchesAsFarAsTheyGo_AndSendsEveryPurchaseOnce()
    {
        var (sender, sent) = Sender(perBatch: 2);

        var count = await new PurchasePublisher(sender.Object).PublishAsync([.. Enumerable.Range(1, 5).Select(i => Purchase($"p{i}"))]);

        Assert.Equal(5, count);
        Assert.Equal([["s1:p1", "s1:p2"], ["s1:p3", "s1:p4"], ["s1:p5"]], sent.Select(b => b.Select(m => m.MessageId).ToList()).ToList());
    }

    [Fact]
    public async Task Publish_APurchaseTheAppWouldRefuse_SendsNothing_AndSaysWhy()
    {
        var (sender, sent) = Sender(perBatch: 10);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => new PurchasePublisher(sender.Object).PublishAsync([Purchase("p1"), Purchase("p2", amount: -5)]));

        Assert.Contains("'p2'", e.Message, StringComparison.Ordinal);
        Assert.Contains("amount", e.Message, StringComparison.Ordinal);
        Assert.Empty(sent);
        sender.Verify(s => s.CreateMessageBatchAsync(It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Publish_AMessageNoBatchHolds_Throws()
    {
        var (sender, _) = Sender(perBatch: 0);

        await Assert.ThrowsAsync<ArgumentException>(() => new PurchasePublisher(sender.Object).PublishAsync([Purchase("p1")]));
    }

    [Fact]
    public async Task Tool_PublishesJsonLines_AndRefusesABadLine()
    {
        var (sender, sent) = Sender(perBatch: 10);
        var lines = $"{PurchaseFixtures.Message("p1", "s1", "shopper-1")}\n\n{PurchaseFixtures.Message("p2", "s2", "shopper-2")}\n";
        var output = new StringWriter();
        var error = new StringWriter();

        var ok = await PublishCommand.RunAsync(["publish", "--connection", "ns.servicebus.windows.net"], new StringReader(lines), output, error, CancellationToken.None, _ => new PurchasePublisher(sender.Object));
        var bad = await PublishCommand.RunAsync(["publish", "--connection", "x"], new StringReader("{\"purchaseId\":\n"), output, error, CancellationToken.None, _ => new PurchasePublisher(sender.Object));

        var missing = await PublishCommand.RunAsync(["publish", "--connection", "x", "--file", "/no/such/sales.jsonl"], new StringReader(""), output, error, CancellationToken.None, _ => new PurchasePublisher(sender.Object));

        Assert.Equal((0, 2, 2), (ok, bad, missing));
        Assert.Contains("No file /no/such/sales.jsonl.", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["s1:p1", "s2:p2"], Assert.Single(sent).Select(m => m.MessageId));
        Assert.Contains("Published 2 purchase(s)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Line 1 is not a purchase", error.ToString(), StringComparison.Ordinal);
    }
}
