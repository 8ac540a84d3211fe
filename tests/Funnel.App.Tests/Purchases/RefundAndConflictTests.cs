using System.Net;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Triggers;

namespace Funnel.App.Tests.Purchases;

/// <summary>Money that adds up: a reused purchase id is a conflict (the first stands), refunds take back exactly once, net revenue.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RefundAndConflictTests(AzuriteFixture azurite)
{
    private async Task<(FunnelAppFactory App, HttpClient Hq)> Stores()
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "13800000001")).Json(HttpStatusCode.OK);
        return (app, hq);
    }

    private static string Refund(string refundId, string storeId, string refundOf, decimal amount, DateTimeOffset? at = null) =>
        PurchaseFixtures.Refund(refundId, storeId, refundOf, amount, at);

    [Fact]
    public async Task SameIdOtherContent_IsAConflict_CountedOnce_PoisonedWithWhatDiffers_AndTheFirstStands()
    {
        var (app, hq) = await Stores();
        await using var owned = app;
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800000001", 100m))).Ok();

        var conflicting = PurchaseFixtures.Message("p1", "s1", "13800000001", 120m);
        var first = await (await app.InvokeQueue(conflicting)).Ok();
        await (await app.InvokeQueue(conflicting)).Ok(); // delivered again: still one conflict
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800000001", 100m))).Ok(); // the first again: a duplicate

        Assert.StartsWith("Poisoned:", first.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var copy = PoisonCopy.Read((await app.PoisonMessages())[0])!;
        Assert.Contains("differs in: amount, items", copy.Reason, StringComparison.Ordinal);
        Assert.Equal("p1", copy.Message!["purchaseId"]!.GetValue<string>());
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1L, 100m, 1L), (funnel.GetProperty("storeSales").GetInt64(), funnel.GetProperty("revenue").GetDecimal(), funnel.GetProperty("purchaseConflicts").GetInt64()));
    }

    [Fact]
    public async Task Refund_TakesItsAmountBackOnce_FromTheSalesDayAndClerk_AndNeverMoreThanTheSale()
    {
        var (app, hq) = await Stores();
        await using var owned = app;
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800000001", 100m))).Ok();

        await (await app.InvokeQueue(Refund("r1", "s1", "p1", 30m))).Ok();
        await (await app.InvokeQueue(Refund("r1", "s1", "p1", 30m))).Ok(); // redelivered
        var tooMuch = await (await app.InvokeQueue(Refund("r2", "s1", "p1", 80m))).Ok();
        await (await app.InvokeQueue(Refund("r3", "s1", "p1", 70m))).Ok(); // exactly what is left

        Assert.Contains("more than sale p1", tooMuch.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var funnel = await hq.Funnel("s1");
        Assert.Equal(0m, funnel.GetProperty("revenue").GetDecimal());
        Assert.Equal(0m, funnel.GetProperty("storeSalesRevenue").GetDecimal());
        Assert.Equal((2L, 100m), (funnel.GetProperty("refunds").GetInt64(), funnel.GetProperty("refundedAmount").GetDecimal()));
        Assert.Equal((1L, 1L), (funnel.GetProperty("purchases").GetInt64(), funnel.GetProperty("storeSales").GetInt64())); // the sale happened
        Assert.Equal(0m, Assert.Single(funnel.GetProperty("byClerk").EnumerateArray()).GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task Refund_OfACrossStoreSale_TakesTheCreditBackAtTheRecruitingStore()
    {
        var (app, hq) = await Stores();
        await using var owned = app;
        await (await app.InvokeQueue(PurchaseFixtures.Message("p9", "s2", "13800000001", 50m))).Ok();

        await (await app.InvokeQueue(Refund("r9", "s2", "p9", 20m))).Ok();

        var recruiting = await hq.Funnel("s1");
        Assert.Equal((1L, 30m), (recruiting.GetProperty("crossStorePurchases").GetInt64(), recruiting.GetProperty("revenue").GetDecimal()));
        var selling = await hq.Funnel("s2");
        Assert.Equal((30m, 1L), (selling.GetProperty("storeSalesRevenue").GetDecimal(), selling.GetProperty("refunds").GetInt64()));
    }

    [Fact]
    public async Task Refund_OfASaleNotRecordedYet_IsRetried_ThenCountedOnceTheSaleIsIn()
    {
        var (app, hq) = await Stores();
        await using var owned = app;

        var early = await app.InvokeQueue(Refund("r1", "s1", "p1", 10m));
        Assert.Equal(HttpStatusCode.InternalServerError, early.StatusCode); // the host tries again later
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800000001", 100m))).Ok();
        await (await app.InvokeQueue(Refund("r1", "s1", "p1", 10m))).Ok();

        Assert.Equal(90m, (await hq.Funnel("s1")).GetProperty("revenue").GetDecimal());
    }

    /// <summary>The HTTP edge hashes the shopper before anything is queued, and says at once what is wrong with the time.</summary>
    [Fact]
    public async Task PosEndpoint_QueuesTheLeadId_NeverThePhoneNumber_AndRefusesTimesWithoutOffsetOrInTheFuture()
    {
        var (app, _) = await Stores();
        await using var owned = app;
        var pos = app.As(Roles.Pos, "s1");
        HttpContent Body(string json) => new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        await (await pos.PostAsync("/api/purchases", Body(PurchaseFixtures.Message("p1", "s1", "+86 138 0000 0001")))).Json(HttpStatusCode.Accepted);
        var noOffset = await (await pos.PostAsync("/api/purchases", Body(PurchaseFixtures.Message("p2", "s1", "x").Replace("10:00:00+00:00", "10:00:00", StringComparison.Ordinal))))
            .Problem(HttpStatusCode.BadRequest);
        var future = await (await pos.PostAsync("/api/purchases", Body(PurchaseFixtures.Message("p3", "s1", "x", at: app.Time.GetUtcNow().AddHours(1)))))
            .Problem(HttpStatusCode.BadRequest);

        Assert.Contains("offset", noOffset.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("in the future", future.GetRawText(), StringComparison.Ordinal);
        var queued = Assert.Single((await app.Queue("purchases").PeekMessagesAsync(10)).Value).Body.ToString();
        Assert.DoesNotContain("138", queued, StringComparison.Ordinal);
        Assert.DoesNotContain("shopperId", queued, StringComparison.Ordinal);
        Assert.Matches("\"leadId\":\"[0-9a-f]{32}\"", queued);
    }
}
