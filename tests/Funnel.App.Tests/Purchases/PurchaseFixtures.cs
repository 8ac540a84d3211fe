using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Purchases;

/// <summary>Purchase messages and the exact invocation shapes the Functions host sends a custom handler.</summary>
public static class PurchaseFixtures
{
    public static string Message(string purchaseId, string storeId, string shopperId, decimal amount = 100m, DateTimeOffset? at = null, string currency = "CNY") =>
        JsonSerializer.Serialize(new
        {
            purchaseId,
            storeId,
            shopperId,
            amount,
            currency,
            items = new[] { new { sku = "SKU-1", qty = 1, price = amount } },
            purchasedAt = at ?? new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), // the fake clock's start: after a scan made then, and not in the future
        });

    /// <summary>A refund of (part of) sale <paramref name="refundOf"/> at the same store.</summary>
    public static string Refund(string refundId, string storeId, string refundOf, decimal amount, DateTimeOffset? at = null) => JsonSerializer.Serialize(new
    {
        purchaseId = refundId,
        storeId,
        refundOf,
        amount,
        currency = "CNY",
        items = new[] { new { sku = "SKU-1", qty = 1, price = amount } },
        purchasedAt = at ?? new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
    });

    /// <summary>A queueTrigger invocation: each value JSON-encoded into a string, DequeueCount as text, as the host sends it.</summary>
    public static object QueueEnvelope(string message, int dequeueCount = 1) => new
    {
        Data = new Dictionary<string, string> { ["message"] = JsonSerializer.Serialize(message) },
        Metadata = new Dictionary<string, object>
        {
            ["DequeueCount"] = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Id"] = JsonSerializer.Serialize(Guid.NewGuid().ToString()),
            ["PopReceipt"] = JsonSerializer.Serialize("AgAAAAMAAAAAAAAAAgtnj8x+1QE="),
            ["InsertionTime"] = "2026-11-23T10:30:01+00:00",
            ["ExpirationTime"] = "2026-11-30T10:30:01+00:00",
            ["NextVisibleTime"] = "2026-11-23T10:40:01+00:00",
            ["sys"] = new { MethodName = "PurchasesQueue", UtcNow = "2026-11-23T10:30:02Z", RandGuid = Guid.NewGuid() },
        },
    };

    /// <summary>A serviceBusTrigger invocation: the body as a string, Service Bus metadata.</summary>
    public static object ServiceBusEnvelope(string message, int deliveryCount = 1) => new
    {
        Data = new Dictionary<string, string> { ["message"] = message },
        Metadata = new Dictionary<string, object>
        {
            ["MessageId"] = JsonSerializer.Serialize("sb-" + Guid.NewGuid().ToString("N")),
            ["DeliveryCount"] = deliveryCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EnqueuedTimeUtc"] = "2026-11-23T10:30:01Z",
            ["SequenceNumber"] = "42",
            ["ContentType"] = JsonSerializer.Serialize("application/json"),
            ["ApplicationProperties"] = new { source = "pos" },
            ["UserProperties"] = new { source = "pos" },
            ["sys"] = new { MethodName = "PurchasesServiceBus", UtcNow = "2026-11-23T10:30:02Z", RandGuid = Guid.NewGuid() },
        },
    };

    public static async Task<HttpResponseMessage> InvokeQueue(this FunnelAppFactory app, string message, int dequeueCount = 1) =>
        await app.TriggerClient().PostAsJsonAsync("/PurchasesQueue", QueueEnvelope(message, dequeueCount));

    public static async Task<JsonElement> Ok(this HttpResponseMessage response) => await response.Json(HttpStatusCode.OK);

    public static async Task<List<string>> PoisonMessages(this FunnelAppFactory app)
    {
        var messages = await app.Queue("purchases-poison").PeekMessagesAsync(32);
        return [.. messages.Value.Select(m => m.Body.ToString())];
    }
}
