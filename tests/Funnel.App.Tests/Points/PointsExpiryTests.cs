using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Points;

/// <summary>Points expire by HQ's rules, oldest first, spent points taken from the oldest, on the durable engine (one instance per lead).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PointsExpiryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PointsExpireAfterTheirPeriod_OldestFirst_WhatWasSpentComingFromTheOldest()
    {
        // The engine looks at the app's (test) clock every second, not every 6 days.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:LookSeconds"] = "1" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, perUnitAmount = 1m, expireAfterDays = 30 })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var (leadId, _) = await app.ShopperScan(await hq.CreateCode("s1"), "13600000001");
        app.Time.Advance(TimeSpan.FromDays(10));
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13600000001", 100m, app.Time.GetUtcNow()))).Ok();
        app.Time.Advance(TimeSpan.FromDays(1));
        await (await hq.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "cup", points = 5, reason = "a cup" })).Json(HttpStatusCode.Created);

        // Day 31: the joining points are 30 days old; 5 of them were spent, so 5 expire.
        app.Time.Advance(TimeSpan.FromDays(20));
        await BalanceBecomes(app, hq, leadId, 100);
        // Day 41: the purchase's 100 expire too.
        app.Time.Advance(TimeSpan.FromDays(10));
        var points = await BalanceBecomes(app, hq, leadId, 0);
        var expiries = points.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "expiry").Select(e => e.GetProperty("points").GetInt64());
        Assert.Equal([-100L, -5L], expiries);
        Assert.Equal(0, points.GetProperty("entries").EnumerateArray().Sum(e => e.GetProperty("points").GetInt64()));
    }

    private static async Task<JsonElement> BalanceBecomes(FunnelAppFactory app, HttpClient hq, string leadId, long balance)
    {
        JsonElement points = default;
        Assert.True(await Eventually.Holds(async () =>
        {
            points = await (await hq.GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.OK);
            return points.GetProperty("balance").GetInt64() == balance;
        }, TimeSpan.FromSeconds(30)), $"The balance stayed {points.GetProperty("balance")} (app time {app.Time.GetUtcNow():O}), not {balance}.");
        return points;
    }
}
