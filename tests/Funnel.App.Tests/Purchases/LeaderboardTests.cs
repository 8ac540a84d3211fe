using System.Net;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Purchases;

[Collection(AzuriteCollection.Name)]
public sealed class LeaderboardTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Leaderboard_RanksStoresAndClerksByCreditedRevenue_WithinARegion()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        foreach (var (store, region) in new[] { ("e1", "east"), ("e2", "east"), ("w1", "west") })
        {
            await hq.CreateStore(store, region: region);
            await hq.CreateClerk(store, "c1");
            await hq.CreateClerk(store, "c2");
        }
        var shopper = app.Anonymous();
        await shopper.Scan(await hq.CreateCode("e1", "c1"), "a");
        await shopper.Scan(await hq.CreateCode("e2", "c2"), "b");
        await shopper.Scan(await hq.CreateCode("w1", "c1"), "c");
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "e1", "a", 50m))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "e2", "b", 80m))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p3", "w1", "c", 500m))).Ok();

        var east = await (await hq.GetAsync("/api/leaderboard?region=east&from=2026-11-01&to=2026-11-30")).Json(HttpStatusCode.OK);
        var all = await (await hq.GetAsync("/api/leaderboard?from=2026-11-01&to=2026-11-30")).Json(HttpStatusCode.OK);

        Assert.Equal(["e2", "e1"], east.GetProperty("stores").EnumerateArray().Select(s => s.GetProperty("storeId").GetString()));
        Assert.Equal([1, 2], east.GetProperty("stores").EnumerateArray().Select(s => s.GetProperty("rank").GetInt32()));
        Assert.Equal(80m, east.GetProperty("stores")[0].GetProperty("revenue").GetDecimal());
        Assert.Equal([("e2", "c2"), ("e1", "c1")],
            east.GetProperty("clerks").EnumerateArray().Select(c => (c.GetProperty("storeId").GetString(), c.GetProperty("clerkId").GetString())));
        Assert.Equal("w1", all.GetProperty("stores")[0].GetProperty("storeId").GetString());
        Assert.Equal(3, all.GetProperty("stores").GetArrayLength());
    }

    [Fact]
    public async Task Leaderboard_IsForHqOnly_AndChecksItsRange()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        await (await app.As(Roles.Store, "e1").GetAsync("/api/leaderboard")).Problem(HttpStatusCode.Forbidden);
        await (await app.Hq().GetAsync("/api/leaderboard?from=2026-12-01&to=2026-11-01")).Problem(HttpStatusCode.BadRequest);
        await (await app.Hq().GetAsync("/api/leaderboard?region=a%20b")).Problem(HttpStatusCode.BadRequest);
    }

    /// <summary>Money is never added across currencies, and each store's days are its own local days (as its counters are).</summary>
    [Fact]
    public async Task Leaderboard_TotalsPerCurrency_RanksWithinACurrency_AndReadsEachStoresOwnToday()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        foreach (var (store, currency, timeZone) in new[] { ("sh", "CNY", "Asia/Shanghai"), ("hk", "HKD", "Asia/Hong_Kong"), ("ta", "CNY", "Pacific/Tarawa") })
        {
            await (await hq.PutAsJsonAsync($"/api/stores/{store}", new { name = store, region = "east", currency, timeZone })).Json(HttpStatusCode.OK);
            await hq.CreateClerk(store, "c1");
            await app.Anonymous().Scan(await hq.CreateCode(store, "c1"), "shopper-" + store);
        }
        app.Time.Advance(TimeSpan.FromHours(3)); // 13:00 UTC: already the 24th at Tarawa (UTC+12), still the 23rd in Shanghai and Hong Kong
        var now = app.Time.GetUtcNow();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "sh", "shopper-sh", 50m, now.AddHours(-1)))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "hk", "shopper-hk", 500m, now.AddHours(-1), currency: "HKD"))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p3", "ta", "shopper-ta", 7m, now.AddHours(-1.5)))).Ok(); // 23:30 on the 23rd there
        await (await app.InvokeQueue(PurchaseFixtures.Message("p4", "ta", "shopper-ta", 9m, now.AddHours(-0.5)))).Ok(); // 00:30 on the 24th

        var today = await (await hq.GetAsync("/api/leaderboard?days=1")).Json(HttpStatusCode.OK);

        var revenue = today.GetProperty("totals").GetProperty("revenue");
        Assert.Equal((59m, 500m), (revenue.GetProperty("CNY").GetDecimal(), revenue.GetProperty("HKD").GetDecimal()));
        Assert.Equal([("CNY", 1, "sh", 50m), ("CNY", 2, "ta", 9m), ("HKD", 1, "hk", 500m)], today.GetProperty("stores").EnumerateArray()
            .Select(s => (s.GetProperty("currency").GetString(), s.GetProperty("rank").GetInt32(), s.GetProperty("storeId").GetString(), s.GetProperty("revenue").GetDecimal())));
        Assert.Equal(("2026-11-23", "2026-11-24"), (today.GetProperty("from").GetString(), today.GetProperty("to").GetString()));
    }
}
