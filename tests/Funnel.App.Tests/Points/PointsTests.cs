using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Points;

/// <summary>
/// The points ledger: HQ's rules from their effective time, awards for joining and purchases applied once however
/// often their event comes, refunds taking back their share (a debt recorded when the balance no longer holds it),
/// and redemptions that never overdraw, also fifty at once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PointsTests(AzuriteFixture azurite)
{
    /// <summary>Store s1, clerk c1, and rules in effect (10 for joining, 1 a yuan), the app's clock moved past their start.</summary>
    private static async Task<(FunnelAppFactory App, HttpClient Hq, string Code)> StartAsync(AzuriteFixture azurite)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, trialCompleted = 20, shareRecruited = 5, perUnitAmount = 1m })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        return (app, hq, await hq.CreateCode("s1", "c1"));
    }

    private static async Task<JsonElement> Points(HttpClient client, string leadId, string query = "") =>
        await (await client.GetAsync($"/api/leads/{leadId}/points{query}")).Json(HttpStatusCode.OK);

    [Fact]
    public async Task Rules_TakeEffectAtTheirTime_AndNeverSooner()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        var early = await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, effectiveFrom = app.Time.GetUtcNow().AddSeconds(5) })).Json(HttpStatusCode.BadRequest);
        Assert.Contains("effectiveFrom", early.ToString(), StringComparison.Ordinal);
        var saved = await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, perUnitAmount = 0.5m })).Json(HttpStatusCode.OK);
        Assert.False(saved.TryGetProperty("inEffect", out _)); // not yet: in 30 s
        Assert.Single(saved.GetProperty("versions").EnumerateArray());
        app.Time.Advance(TimeSpan.FromSeconds(31));
        var now = await (await app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1").GetAsync("/api/programme/points")).Json(HttpStatusCode.OK);
        Assert.Equal(10, now.GetProperty("inEffect").GetProperty("joining").GetInt32());
        await (await app.As(Funnel.App.Auth.Roles.Store, "s1").PutAsJsonAsync("/api/programme/points", new { joining = 1 })).Json(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task JoiningAndPurchases_AreAwardedOnce_RefundsTakeTheirShareBack_AndADebtIsRecorded()
    {
        var (app, hq, code) = await StartAsync(azurite);
        await using var _ = app;
        var (leadId, shopper) = await app.ShopperScan(code, "13800000001");
        await hq.CreateStore("s2");
        await (await app.Anonymous().Scan(await hq.CreateCode("s2"), "13800000001")).Json(HttpStatusCode.OK); // joining is once, brand-wide
        Assert.Equal(10, (await Points(shopper, leadId)).GetProperty("balance").GetInt64());

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var at = app.Time.GetUtcNow();
        var sale = PurchaseFixtures.Message("p1", "s1", "13800000001", 88.5m, at);
        await (await app.InvokeQueue(sale)).Ok();
        await (await app.InvokeQueue(sale, dequeueCount: 2)).Ok(); // redelivered: applied once
        await (await app.InvokeQueue(sale)).Ok(); // the till sent it again
        Assert.Equal(98, (await Points(shopper, leadId)).GetProperty("balance").GetInt64());

        // Half refunded: half of the 88 points back (rounded up). Then the shopper spends, and the rest is refunded:
        // the balance cannot give back all, so it stops at 0 with the difference recorded as debt.
        await (await app.InvokeQueue(PurchaseFixtures.Refund("r1", "s1", "p1", 44.25m, at))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Refund("r1", "s1", "p1", 44.25m, at), dequeueCount: 2)).Ok();
        Assert.Equal(54, (await Points(shopper, leadId)).GetProperty("balance").GetInt64());
        await (await shopper.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "cup", points = 50, reason = "a free cup" })).Json(HttpStatusCode.Created);
        await (await app.InvokeQueue(PurchaseFixtures.Refund("r2", "s1", "p1", 44.25m, at))).Ok();
        var after = await Points(shopper, leadId);
        Assert.Equal((0L, 40L), (after.GetProperty("balance").GetInt64(), after.GetProperty("debt").GetInt64()));
        // The next award pays the debt first.
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "s1", "13800000001", 100m, at))).Ok();
        var paid = await Points(shopper, leadId);
        Assert.Equal((60L, 0L), (paid.GetProperty("balance").GetInt64(), paid.GetProperty("debt").GetInt64()));
        // The ledger: every entry once, newest first, paged; its sum is the balance.
        var entries = paid.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["join", "purchase:p1", "refund:r1", "redemption:cup", "refund:r2", "purchase:p2"], entries.Select(e => e.GetProperty("sourceId").GetString()).Reverse());
        Assert.Equal(paid.GetProperty("balance").GetInt64() - paid.GetProperty("debt").GetInt64(), entries.Sum(e => e.GetProperty("points").GetInt64()));
        var page = await Points(hq, leadId, "?offset=2&limit=3");
        Assert.Equal((3, 5), (page.GetProperty("entries").GetArrayLength(), page.GetProperty("nextOffset").GetInt32()));
        Assert.Equal(60, (await (await hq.GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK)).GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task ALeadBuyingAfterTheAttributionWindow_IsNotCredited_ButEarnsItsPoints()
    {
        var (app, hq, code) = await StartAsync(azurite);
        await using var _ = app;
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "Store s1", region = "east", attributionWindowDays = 1 })).Json(HttpStatusCode.OK);
        var (leadId, shopper) = await app.ShopperScan(code, "13800000030");
        app.Time.Advance(TimeSpan.FromDays(3));
        await (await app.InvokeQueue(PurchaseFixtures.Message("late", "s1", "13800000030", 42m, app.Time.GetUtcNow()))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("walk-in", "s1", "13800000099", 42m, app.Time.GetUtcNow()))).Ok(); // no lead: no points anywhere
        Assert.Equal(0, (await hq.Funnel("s1")).GetProperty("purchases").GetInt64());
        Assert.Equal(52, (await Points(hq, leadId)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task ACompletedTrial_EarnsItsPointsOnce_FromTheJourneysStep()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString); // with the journey worker
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, trialCompleted = 20 })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var (leadId, shopper) = await app.ShopperScan(await hq.CreateCode("s1", "c1"), "13800000005");
        var clerk = app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1");
        Assert.Equal("applied", await shopper.Apply(leadId, "trial-booked", new { slot = app.Time.GetUtcNow().AddDays(1) }, storeId: "s1"));
        Assert.Equal("applied", await clerk.Apply(leadId, "trial-completed", eventId: "done-1", storeId: "s1"));
        await clerk.Apply(leadId, "trial-completed", eventId: "done-1", storeId: "s1"); // sent again: the journey takes it once
        var points = await Points(hq, leadId);
        Assert.Equal(30, points.GetProperty("balance").GetInt64());
        Assert.Equal(["join", "trial-completed"], points.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).Reverse());
    }

    [Fact]
    public async Task FiftyConcurrentRedemptions_OnTwoInstances_NeverOverdraw_AndARedemptionIsOncePerId()
    {
        var (app, hq, code) = await StartAsync(azurite);
        await using var _ = app;
        var (leadId, shopper) = await app.ShopperScan(code, "13800000002");
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800000002", 20m, app.Time.GetUtcNow()))).Ok(); // 10 + 20 = 30

        // Two instances on the same storage (each lets one change of a lead run at a time; between them, the balance's ETag decides).
        await using var second = new FunnelAppFactory(azurite.Server.ConnectionString, tablePrefix: app.TablePrefix, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var clerk = app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1");
        var clerks = new[] { clerk, second.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1") };
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            (await clerks[i % 2].PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = $"r{i}", points = 1, reason = "a sticker" })).StatusCode));
        Assert.Equal(30, answers.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(20, answers.Count(s => s == HttpStatusCode.Conflict));
        var points = await Points(hq, leadId);
        Assert.Equal((0L, 30L), (points.GetProperty("balance").GetInt64(), points.GetProperty("spent").GetInt64()));

        var first = answers.Select((s, i) => (s, i)).First(x => x.s == HttpStatusCode.Created).i;
        var replay = await (await clerk.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = $"r{first}", points = 1, reason = "a sticker" })).Json(HttpStatusCode.OK);
        Assert.True(replay.GetProperty("replayed").GetBoolean());
        var other = await (await clerk.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = $"r{first}", points = 2, reason = "a sticker" })).Json(HttpStatusCode.Conflict);
        Assert.Contains("new redemptionId", other.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var refused = await (await clerk.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "big", points = 5, reason = "a bag" })).Json(HttpStatusCode.Conflict);
        Assert.Equal(0, refused.GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task AShareCode_CreditsItsReferrerForNewLeadsOnly_CappedADay_WithThePastCapRecorded()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { shareRecruited = 5, referralDailyCap = 2 })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var (referrer, shopper) = await app.ShopperScan(await hq.CreateCode("s1"), "13800000010");
        var (known, _) = await app.ShopperScan(await hq.CreateCode("s2"), "13800000011"); // a lead already, at another store
        var share = await (await shopper.PostAsync($"/api/leads/{referrer}/share-code", null)).Json(HttpStatusCode.Created);
        var code = share.GetProperty("code").GetString()!;

        await (await app.Anonymous().Scan(code, "13800000010")).Json(HttpStatusCode.OK); // the referrer's own scan: nothing
        await (await app.Anonymous().Scan(code, "13800000011")).Json(HttpStatusCode.OK); // a returning lead: not a referral
        var (recruit, _) = await app.ShopperScan(code, "13800000012");
        await (await app.Anonymous().Scan(code, "13800000012")).Json(HttpStatusCode.OK); // the recruit again: once
        await app.ShopperScan(code, "13800000013");
        await app.ShopperScan(code, "13800000014"); // the third of the day: past the cap of 2
        var points = await Points(hq, referrer);
        Assert.Equal(10, points.GetProperty("balance").GetInt64());
        var entries = points.GetProperty("entries").EnumerateArray().Reverse().ToList();
        Assert.Equal([5L, 5L, 0L], entries.Select(e => e.GetProperty("points").GetInt64()));
        Assert.Contains("cap of 2", entries[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains($"channel:ref-{referrer}", (await (await hq.GetAsync($"/api/leads/{recruit}")).Json(HttpStatusCode.OK)).GetProperty("tags").ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Points(hq, known)).GetProperty("total").GetInt32());

        // Staff cannot mint a share code through the codes API (the channel is reserved).
        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { channel = $"ref-{known}" })).Json(HttpStatusCode.BadRequest);
        await (await app.Anonymous().PostAsync($"/api/leads/{referrer}/share-code", null)).Json(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Points_StorageRequests_AnAwardIsTwo_ARepeatOne_AJoiningScanTwoMore()
    {
        var (app, hq, code) = await StartAsync(azurite);
        await using var _ = app;
        var counter = app.Services.GetRequiredService<Funnel.App.Storage.StorageRequestCounter>();
        var ledger = app.Services.GetRequiredService<Funnel.App.Points.PointsLedger>();
        async Task<long> Cost(Func<Task> work)
        {
            var before = counter.Requests;
            await work();
            return counter.Requests - before;
        }
        var lead = new string('c', 32);
        Task Award(string source) => ledger.ApplyAsync(lead, source, "test", "test", app.Time.GetUtcNow(), b => (b.Award(1), 1, null), CancellationToken.None);
        // The balance and the entry read in one query, then one transaction; a repeat stops at the query.
        Assert.Equal(2, await Cost(() => Award("first")));
        Assert.Equal(2, await Cost(() => Award("second")));
        Assert.Equal(1, await Cost(() => Award("second")));
        // A new lead's scan, with the joining award (rules cached), costs two more than one without (the store's next scan is the same path).
        await (await app.Anonymous().Scan(code, "13800000020")).Json(HttpStatusCode.OK); // warm: lane, rules
        var withAward = await Cost(async () => await (await app.Anonymous().Scan(code, "13800000021")).Json(HttpStatusCode.OK));
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 0 })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await (await app.Anonymous().Scan(code, "13800000022")).Json(HttpStatusCode.OK); // the rules read again after the save
        var without = await Cost(async () => await (await app.Anonymous().Scan(code, "13800000023")).Json(HttpStatusCode.OK));
        Assert.Equal(2, withAward - without);
    }

    [Fact]
    public async Task APointsBalance_IsTheShoppersOwnAndTheirStoresStaffs_NobodyElses()
    {
        var (app, hq, code) = await StartAsync(azurite);
        await using var _ = app;
        var (leadId, _) = await app.ShopperScan(code, "13800000003");
        var (_, other) = await app.ShopperScan(code, "13800000004");
        await (await other.GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.Forbidden);
        await (await app.Anonymous().GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.Unauthorized);
        await hq.CreateStore("s9");
        await (await app.As(Funnel.App.Auth.Roles.Store, "s9").GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.NotFound);
        await (await app.As(Funnel.App.Auth.Roles.Store, "s1").GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync($"/api/leads/{leadId}/points?limit=0")).Json(HttpStatusCode.BadRequest);
        await (await hq.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "x", points = 0, reason = "" })).Json(HttpStatusCode.BadRequest);
    }
}
