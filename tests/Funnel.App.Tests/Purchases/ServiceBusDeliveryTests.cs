using System.Net;
using Azure.Messaging.ServiceBus;
using Funnel.App.Purchases;
using Funnel.App.Tests.Infrastructure;
using Funnel.Core.Purchases;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Funnel.App.Tests.Purchases;

/// <summary>
/// The app's end of Service Bus outside the Functions host: each delivery settled as the host's trigger would. There is
/// no Service Bus emulator here, so the SDK's receiver is a Moq mock (what the processor hands the handler); the
/// purchase handler behind it is the real one on Azurite in the last test.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServiceBusDeliveryTests(AzuriteFixture azurite)
{
    private static ServiceBusReceivedMessage Received(string body, int deliveryCount = 1, string? schemaVersion = null, string messageId = "s1:p1") =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(BinaryData.FromString(body), messageId: messageId, deliveryCount: deliveryCount,
            properties: schemaVersion is null ? null : new Dictionary<string, object> { [PurchaseTopic.SchemaVersionProperty] = schemaVersion });

    private static async Task<(Settlement Settlement, Mock<ServiceBusReceiver> Receiver, int Processed)> Deliver(
        ServiceBusReceivedMessage message, Func<Purchase, Task<string>>? process = null, List<string>? trace = null) =>
        await Deliver(message, process is null ? null : (p, _) => process(p), trace);

    private static async Task<(Settlement Settlement, Mock<ServiceBusReceiver> Receiver, int Processed)> Deliver(
        ServiceBusReceivedMessage message, Func<Purchase, int, Task<string>>? process, List<string>? trace = null)
    {
        var receiver = new Mock<ServiceBusReceiver>(MockBehavior.Strict);
        receiver.Setup(r => r.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Callback(() => trace?.Add("completed")).Returns(Task.CompletedTask);
        receiver.Setup(r => r.AbandonMessageAsync(message, It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        receiver.Setup(r => r.DeadLetterMessageAsync(message, It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var processed = 0;
        var settlement = await PurchaseDelivery.SettleAsync(new ProcessMessageEventArgs(message, receiver.Object, CancellationToken.None), async (p, delivery, _) =>
        {
            processed++;
            return process is null ? "Counted" : await process(p, delivery);
        }, NullLogger.Instance);
        return (settlement, receiver, processed);
    }

    [Fact]
    public async Task Purchase_IsCompletedOnlyAfterItWasProcessed()
    {
        var message = Received(PurchaseFixtures.Message("p1", "s1", "shopper-1", 88.8m), schemaVersion: PurchaseTopic.SchemaVersion);
        var order = new List<string>();

        var (settlement, receiver, processed) = await Deliver(message, p =>
        {
            order.Add($"processed {p.StoreId}/{p.PurchaseId} {p.Amount}");
            return Task.FromResult("Counted");
        }, order);

        Assert.Equal((Settlement.Completed, 1), (settlement, processed));
        Assert.Equal(["processed s1/p1 88.8", "completed"], order);
        receiver.Verify(r => r.CompleteMessageAsync(message, It.IsAny<CancellationToken>()), Times.Once);
        receiver.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("{not json", "InvalidPurchase", "not valid purchase JSON")]
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":-1,"currency":"CNY","items":[],"purchasedAt":"2026-11-23T10:30:00Z"}""", "InvalidPurchase", "amount")]
    public async Task PoisonMessage_IsDeadLetteredWithTheReason_AndNothingIsProcessed(string body, string reason, string inDescription)
    {
        var message = Received(body);

        var (settlement, receiver, processed) = await Deliver(message);

        Assert.Equal((Settlement.DeadLettered, 0), (settlement, processed));
        receiver.Verify(r => r.DeadLetterMessageAsync(message, reason, It.Is<string>(d => d.Contains(inDescription, StringComparison.Ordinal)), It.IsAny<CancellationToken>()), Times.Once);
        receiver.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task UnknownSchemaVersion_IsDeadLettered()
    {
        var message = Received(PurchaseFixtures.Message("p1", "s1", "shopper-1"), schemaVersion: "2");

        var (settlement, receiver, processed) = await Deliver(message);

        Assert.Equal((Settlement.DeadLettered, 0), (settlement, processed));
        receiver.Verify(r => r.DeadLetterMessageAsync(message, "UnsupportedSchemaVersion", It.Is<string>(d => d.Contains("'2'", StringComparison.Ordinal)), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RejectedPurchase_IsDeadLettered_TransientFailure_IsAbandonedForRedelivery()
    {
        var message = Received(PurchaseFixtures.Message("p1", "nowhere", "shopper-1"));

        var rejected = await Deliver(message, _ => throw new PurchaseRejectedException("Store 'nowhere' does not exist."));
        var transient = await Deliver(message, _ => throw new TimeoutException("storage did not answer"));

        Assert.Equal(Settlement.DeadLettered, rejected.Settlement);
        rejected.Receiver.Verify(r => r.DeadLetterMessageAsync(message, "PurchaseRejected", "Store 'nowhere' does not exist.", It.IsAny<CancellationToken>()), Times.Once);
        rejected.Receiver.VerifyNoOtherCalls();
        Assert.Equal(Settlement.Abandoned, transient.Settlement);
        transient.Receiver.Verify(r => r.AbandonMessageAsync(message, It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>()), Times.Once);
        transient.Receiver.VerifyNoOtherCalls();
    }

    /// <summary>The purchase is stored but the lock is gone: no abandon (the purchase did not fail); the error goes to the processor.</summary>
    [Fact]
    public async Task CompletionThatFails_IsNotAnAbandon()
    {
        var message = Received(PurchaseFixtures.Message("p1", "s1", "shopper-1"));
        var receiver = new Mock<ServiceBusReceiver>(MockBehavior.Strict);
        receiver.Setup(r => r.CompleteMessageAsync(message, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("lock lost", ServiceBusFailureReason.MessageLockLost));

        await Assert.ThrowsAsync<ServiceBusException>(() => PurchaseDelivery.SettleAsync(
            new ProcessMessageEventArgs(message, receiver.Object, CancellationToken.None), (_, _, _) => Task.FromResult("Counted"), NullLogger.Instance));

        receiver.Verify(r => r.CompleteMessageAsync(message, It.IsAny<CancellationToken>()), Times.Once);
        receiver.VerifyNoOtherCalls();
    }

    /// <summary>Never this consumer and the host's trigger at once; none without a connection.</summary>
    [Theory]
    [InlineData(null, true, false, true)]
    [InlineData(null, true, true, false)]
    [InlineData(true, true, true, false)]
    [InlineData(false, true, false, false)]
    [InlineData(null, false, false, false)]
    public void Consumer_RunsOnlyWithAConnectionAndWithoutTheFunctionsHost(bool? consumer, bool configured, bool underHost, bool runs) =>
        Assert.Equal(runs, new PurchaseBusOptions { Consumer = consumer }.IsEnabled(configured, underHost));

    [Fact]
    public void Connection_ReadAsTheHostReadsIt()
    {
        static IConfiguration Config(params (string Key, string Value)[] values) =>
            new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

        Assert.Null(PurchaseBusOptions.CreateClient(Config(("ServiceBusConnection", ""))));
        Assert.False(PurchaseBusOptions.HasConnection(Config(("ServiceBusConnection", ""))));
        Assert.True(PurchaseBusOptions.HasConnection(Config(("ServiceBusConnection:fullyQualifiedNamespace", "ns.servicebus.windows.net"))));
        Assert.Equal("ns.servicebus.windows.net", PurchaseBusOptions.CreateClient(Config(("ServiceBusConnection:fullyQualifiedNamespace", "ns.servicebus.windows.net"),
            ("ServiceBusConnection:credential", "managedidentity"), ("ServiceBusConnection:clientId", "00000000-0000-0000-0000-000000000001")))!.FullyQualifiedNamespace);
        Assert.Equal("cs.servicebus.windows.net", PurchaseBusOptions.CreateClient(Config(("ServiceBusConnection",
            "Endpoint=sb://cs.servicebus.windows.net/;SharedAccessKeyName=test;SharedAccessKey=not-a-key")))!.FullyQualifiedNamespace);
    }

    /// <summary>A redelivery (the lock expired after the purchase was stored, before the completion reached Service Bus) counts once.</summary>
    [Fact]
    public async Task Redelivery_ThroughTheRealHandler_IsCountedOnce()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "shopper-1")).Json(HttpStatusCode.OK);
        var purchases = app.Services.GetRequiredService<PurchaseService>();
        var body = PurchaseFixtures.Message("p1", "s1", "shopper-1", 50m);
        async Task<string> Real(Purchase p, int delivery) => (await purchases.ProcessAsync(p, delivery, CancellationToken.None)).ToString();

        var first = await Deliver(Received(body), Real);
        var again = await Deliver(Received(body, deliveryCount: 2), Real);

        Assert.Equal((Settlement.Completed, Settlement.Completed), (first.Settlement, again.Settlement));
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1L, 1L, 50m), (funnel.GetProperty("storeSales").GetInt64(), funnel.GetProperty("purchases").GetInt64(), funnel.GetProperty("revenue").GetDecimal()));
    }
}
