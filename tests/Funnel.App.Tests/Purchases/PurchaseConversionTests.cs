using System.Net;
using Azure.Storage.Queues;
using Funnel.App.Journeys;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Purchases;

/// <summary>
/// A credited purchase converts the lead's journey exactly when it should: a message that stopped after the sale was
/// counted and before the conversion was raised raises it when it comes back; a till's second copy of the same
/// purchase raises nothing (the engine would spend a step to find it changes nothing).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PurchaseConversionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ConversionLostAfterTheSale_IsRaisedByTheRedelivery_AndNotByATillsSecondCopy()
    {
        // No worker: what the engine's control queue receives stays there to be read.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "13800000001")).Json(HttpStatusCode.OK);
        var engine = app.Services.GetRequiredService<JourneyEngine>();
        var control = new QueueClient(azurite.Server.ConnectionString, $"{engine.TaskHubName.ToLowerInvariant()}-control-00");
        var message = PurchaseFixtures.Message("p1", "s1", "13800000001", 80m);

        // The engine's queue is gone: the sale is counted, the conversion cannot be raised, the message fails (500).
        await control.DeleteAsync();
        var first = await app.InvokeQueue(message, dequeueCount: 1);
        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(1L, (await hq.Funnel("s1")).GetProperty("storeSales").GetInt64());
        await control.CreateAsync();

        // The till sent the purchase twice: its second message, delivered for the first time, finds the sale and raises nothing.
        Assert.Contains("Duplicate", (await (await app.InvokeQueue(message, dequeueCount: 1)).Ok()).GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await Conversions(control, "purchase:s1:p1"));

        // The failed message comes back (dequeue count 2) and raises the conversion, once.
        Assert.Contains("Duplicate", (await (await app.InvokeQueue(message, dequeueCount: 2)).Ok()).GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, await Conversions(control, "purchase:s1:p1"));
        Assert.Equal(1L, (await hq.Funnel("s1")).GetProperty("storeSales").GetInt64());
    }

    private static async Task<int> Conversions(QueueClient control, string eventId) =>
        (await control.PeekMessagesAsync(32)).Value.Count(m => m.Body.ToString().Contains(eventId, StringComparison.Ordinal));
}
