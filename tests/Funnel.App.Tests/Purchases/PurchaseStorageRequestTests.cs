using System.Net;
using Funnel.App.Journeys;
using Funnel.App.Storage;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Purchases;

/// <summary>
/// What one purchase costs in storage requests, counted exactly inside the app (the host's receive and delete of the
/// queue message come on top: one delete, and a share of a batched receive). docs/benchmarks.md reads these numbers.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PurchaseStorageRequestTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Purchase_StorageRequests_NewIsThreeAndTheConversion_ARepeatIsOneRead()
    {
        // No worker: the journeys' own steps (which also write through the app's tables) would run meanwhile.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var code = await hq.CreateCode("s1", "c1");
        await (await app.Anonymous().Scan(code, "13800000001")).Json(HttpStatusCode.OK);
        await (await app.Anonymous().Scan(code, "13800000002")).Json(HttpStatusCode.OK);
        await (await app.InvokeQueue(PurchaseFixtures.Message("warm-up", "s1", "13800000002", 10m))).Ok(); // the store's settings in the lane's cache
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var engine = app.Services.GetRequiredService<JourneyEngine>().StorageRequests;
        async Task<(long App, long Engine)> Cost(string message, int dequeueCount = 1)
        {
            var (app0, engine0) = (counter.Requests, engine.Requests);
            await (await app.InvokeQueue(message, dequeueCount)).Ok();
            return (counter.Requests - app0, engine.Requests - engine0);
        }
        var sale = PurchaseFixtures.Message("p1", "s1", "13800000001", 80m);

        // New, credited at the store the shopper joined: the record (not there), the membership, one transaction
        // (record, sale, clerk's conversion, VIP seat); the journey's conversion is one control-queue message.
        Assert.Equal((3L, 1L), await Cost(sale));
        // The till sent it again: the record is there, and the message that wrote it raised the conversion.
        Assert.Equal((1L, 0L), await Cost(sale));
        // A walk-in (no membership anywhere): the record, the membership, the lead's index (none), one transaction.
        Assert.Equal((4L, 0L), await Cost(PurchaseFixtures.Message("p2", "s1", "walk-in", 20m)));
        // The store's settings were saved (its lane's cache is dropped): the next repeat reads them once, the one after
        // finds them cached although the lane has loaded nothing (a repeat writes nothing through it).
        await hq.CreateStore("s1");
        Assert.Equal((2L, 0L), await Cost(sale));
        Assert.Equal((1L, 0L), await Cost(sale));
    }
}
