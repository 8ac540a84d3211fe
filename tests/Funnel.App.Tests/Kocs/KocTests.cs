using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Kocs;

/// <summary>
/// The KOC programme: a promoted lead's code recruits leads credited to the KOC as well as the store and clerk, never
/// past the KOC's quota; their purchases count on the KOC's card once, also when redelivered; and the month-end
/// assessment on the durable engine raises, keeps or lowers each quota by HQ's thresholds and records why.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class KocTests(AzuriteFixture azurite)
{
    private static async Task<(FunnelAppFactory App, HttpClient Hq, string ClerkCode)> StartAsync(AzuriteFixture azurite, Dictionary<string, string?>? settings = null)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings ?? new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, shareRecruited = 5, perUnitAmount = 1m })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        return (app, hq, await hq.CreateCode("s1", "c1"));
    }

    /// <summary>Promotes the lead at s1 and answers the KOC's code.</summary>
    private static async Task<string> PromoteAsync(HttpClient caller, string leadId, int quota, string? clerkId = "c1")
    {
        var koc = await (await caller.PutAsJsonAsync($"/api/stores/s1/kocs/{leadId}", new { quota, clerkId })).Json(HttpStatusCode.OK);
        Assert.Equal(quota, koc.GetProperty("quota").GetInt32());
        return koc.GetProperty("code").GetProperty("code").GetString()!;
    }

    private static async Task<Dictionary<string, JsonElement>> Cards(HttpClient client, string? month = null) =>
        (await (await client.GetAsync("/api/kocs?storeId=s1" + (month is null ? "" : "&month=" + month))).Json(HttpStatusCode.OK))
            .GetProperty("kocs").EnumerateArray().ToDictionary(k => k.GetProperty("leadId").GetString()!);

    [Fact]
    public async Task AKocsRecruit_CreditsStoreClerkAndKocOnceEach_AndEarnsItsPointsOnce_AlsoWhenRedelivered()
    {
        var (app, hq, clerkCode) = await StartAsync(azurite);
        await using var _ = app;
        var koc = await app.Anonymous().ScanLead(clerkCode, "13900000001");
        var kocCode = await PromoteAsync(app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1"), koc, quota: 2);

        var recruit = await app.Anonymous().ScanLead(kocCode, "13900000002");
        await app.Anonymous().ScanLead(kocCode, "13900000003");
        var late = await app.Anonymous().ScanLead(kocCode, "13900000004"); // the quota is full: the store's alone
        await app.Anonymous().ScanLead(kocCode, "13900000002"); // a returning lead is no new recruit
        var lead = await hq.Lead(recruit);
        Assert.Contains($"channel:koc-{koc}", lead.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var at = app.Time.GetUtcNow();
        var sale = PurchaseFixtures.Message("p1", "s1", "13900000002", 120m, at);
        await (await app.InvokeQueue(sale)).Ok();
        await (await app.InvokeQueue(sale, dequeueCount: 2)).Ok(); // redelivered
        await (await app.InvokeQueue(sale)).Ok(); // the till sent it again
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "s1", "13900000002", 30m, at))).Ok(); // a repeat purchase: no second conversion
        await (await app.InvokeQueue(PurchaseFixtures.Message("p3", "s1", "13900000004", 50m, at))).Ok(); // over quota: not the KOC's

        var card = (await Cards(hq))[koc];
        Assert.Equal((2L, 2L, 1L), (card.GetProperty("served").GetInt64(), card.GetProperty("recruited").GetInt64(), card.GetProperty("overQuota").GetInt64()));
        Assert.Equal((2L, 1L, 150m), (card.GetProperty("purchases").GetInt64(), card.GetProperty("conversions").GetInt64(), card.GetProperty("revenue").GetDecimal()));
        Assert.Equal(0.5, card.GetProperty("conversionRate").GetDouble());
        Assert.Equal(10, card.GetProperty("pointsEarned").GetInt64()); // the KOC's own joining points
        var funnel = await hq.Funnel("s1");
        Assert.Equal((3L, 200m), (funnel.GetProperty("purchases").GetInt64(), funnel.GetProperty("revenue").GetDecimal()));
        var clerk = funnel.GetProperty("byClerk").EnumerateArray().Single(c => c.GetProperty("clerkId").GetString() == "c1");
        Assert.Equal(3, clerk.GetProperty("purchases").GetInt64());
        var points = await (await hq.GetAsync($"/api/leads/{recruit}/points")).Json(HttpStatusCode.OK);
        Assert.Equal(10 + 120 + 30, points.GetProperty("balance").GetInt64());
        Assert.NotEqual(koc, late);
    }

    [Fact]
    public async Task RecruitsRacingForAKocsLastPlaces_NeverOverrunTheQuota()
    {
        var (app, hq, clerkCode) = await StartAsync(azurite);
        await using var _ = app;
        var koc = await app.Anonymous().ScanLead(clerkCode, "13900000100");
        var kocCode = await PromoteAsync(hq, koc, quota: 5, clerkId: null);
        var scans = Enumerable.Range(0, 24).Select(i => app.Anonymous().Scan(kocCode, $"139000002{i:D2}"));
        foreach (var response in await Task.WhenAll(scans)) await response.Json(HttpStatusCode.OK);
        var card = (await Cards(hq))[koc];
        Assert.Equal((5L, 5L, 19L), (card.GetProperty("served").GetInt64(), card.GetProperty("recruited").GetInt64(), card.GetProperty("overQuota").GetInt64()));
        Assert.Equal(25, (await hq.Funnel("s1")).GetProperty("leads").GetInt64()); // every one is the store's
    }

    [Fact]
    public async Task Candidates_AreTheStoresOtherShoppers_RankedBySharesThenTrialsThenPoints()
    {
        var (app, hq, clerkCode) = await StartAsync(azurite);
        await using var _ = app;
        var koc = await app.Anonymous().ScanLead(clerkCode, "13900000400");
        await PromoteAsync(hq, koc, quota: 5);
        var (sharer, shopper) = await app.ShopperScan(clerkCode, "13900000401");
        var share = await (await shopper.PostAsync($"/api/leads/{sharer}/share-code", null)).Json(HttpStatusCode.Created);
        var recruited = await app.Anonymous().ScanLead(share.GetProperty("code").GetString()!, "13900000402");
        var plain = await app.Anonymous().ScanLead(clerkCode, "13900000403");

        var answer = await (await app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/koc-candidates")).Json(HttpStatusCode.OK);
        var ranked = answer.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(4, answer.GetProperty("membersRead").GetInt32());
        Assert.Equal([sharer, .. new[] { recruited, plain }.Order(StringComparer.Ordinal)], ranked.Select(c => c.GetProperty("leadId").GetString()));
        Assert.Equal((1L, 15L), (ranked[0].GetProperty("sharesRecruited").GetInt64(), ranked[0].GetProperty("pointsEarned").GetInt64()));
        await (await app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/koc-candidates?limit=0")).Json(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PromotionAndScorecards_RefuseWhatTheyCannotDo()
    {
        var (app, hq, clerkCode) = await StartAsync(azurite);
        await using var _ = app;
        var lead = await app.Anonymous().ScanLead(clerkCode, "13900000300");
        await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{lead}", new { quota = 0 })).Json(HttpStatusCode.BadRequest);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{new string('a', 32)}", new { quota = 5 })).Json(HttpStatusCode.NotFound);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{lead}", new { quota = 5, clerkId = "nobody" })).Json(HttpStatusCode.NotFound);
        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "koc-" + lead })).Json(HttpStatusCode.BadRequest); // reserved
        await (await app.As(Funnel.App.Auth.Roles.Store, "s1").GetAsync("/api/kocs")).Json(HttpStatusCode.Forbidden);
        await (await app.As(Funnel.App.Auth.Roles.Store, "s2").GetAsync("/api/kocs?storeId=s1")).Json(HttpStatusCode.Forbidden);
        await (await hq.GetAsync("/api/kocs?storeId=s1&month=2026-13")).Json(HttpStatusCode.BadRequest);
        await (await hq.PutAsJsonAsync("/api/programme/kocs", new { raiseBy = 0.5 })).Json(HttpStatusCode.BadRequest);
    }
}
