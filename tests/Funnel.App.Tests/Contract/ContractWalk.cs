using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Contract;

/// <summary>
/// A tour of the whole API as its clients use it, successes and the errors each operation can answer (400, 401, 403,
/// 404, 409, 410, 413, 415): every documented operation at least once. What it received is checked against the
/// document by <see cref="OpenApiContractTests"/>.
/// </summary>
internal static partial class ContractWalk
{
    private const string StaffId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private static readonly string[] TwoStores = ["s1", "s2"], PushTargets = ["s1", "s2", "gone"];

    public static async Task RunAsync(FunnelAppFactory app)
    {
        var hq = app.Hq();
        var anonymous = app.Anonymous();
        await (await anonymous.GetAsync("/healthz")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/me")).Json(HttpStatusCode.OK);
        await (await anonymous.GetAsync("/api/me")).Problem(HttpStatusCode.Unauthorized);
        await (await app.Hq().GetAsync("/api/diagnostics/storage")).Json(HttpStatusCode.OK);
        await (await app.As(Roles.Store, "s1").GetAsync("/api/diagnostics/storage")).Problem(HttpStatusCode.Forbidden);

        await Stores(app, hq);
        var (leadId, session) = await CodesAndScans(app, hq, anonymous);
        await Journeys(app, hq, anonymous, app.Shopper(session), leadId);
        await PurchasesAndReports(app, hq);
        await Campaigns(app, hq, leadId);
        await Audience(app, hq, anonymous);
    }

    private static async Task Stores(FunnelAppFactory app, HttpClient hq)
    {
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "Downtown", region = "east", journey = new { maxMessagesPerDay = 2 } })).Json(HttpStatusCode.OK);
        await hq.CreateStore("s2", region: "west");
        await hq.CreateStore("tiny", capacity: 1, maxGroups: 1);
        await (await hq.PutAsJsonAsync("/api/stores/bad%7Cid", new { name = "x", region = "east" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PutAsync("/api/stores/s3", new StringContent("name=x", Encoding.UTF8, "text/plain"))).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await hq.PutAsync("/api/stores/s3", new StringContent("{not json", Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Store, "s1").PutAsJsonAsync("/api/stores/s1", new { name = "x", region = "east" })).Problem(HttpStatusCode.Forbidden);
        await (await app.Anonymous().GetAsync("/api/stores/s1")).Problem(HttpStatusCode.Unauthorized);
        await (await hq.GetAsync("/api/stores/s1")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/stores/nowhere")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Store, "s2").GetAsync("/api/stores/s1")).Problem(HttpStatusCode.Forbidden);

        await hq.CreateClerk("s1", "c1");
        await hq.CreateClerk("s1", "c2");
        await (await hq.PutAsJsonAsync("/api/stores/nowhere/clerks/c1", new { name = "Li" })).Problem(HttpStatusCode.NotFound);
        await (await hq.PutAsJsonAsync("/api/stores/s1/clerks/c3", new { name = "" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s1/groups")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/stores/nowhere/groups")).Problem(HttpStatusCode.NotFound);

        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{StaffId}", new { clerkId = "c1" })).Json(HttpStatusCode.OK);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{StaffId}", new { clerkId = "c9" })).Problem(HttpStatusCode.NotFound);
        await (await hq.PutAsJsonAsync("/api/stores/s1/staff/not-a-guid", new { })).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s1/staff")).Json(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await hq.DeleteAsync($"/api/stores/s1/staff/{StaffId}")).StatusCode);
        await (await hq.DeleteAsync($"/api/stores/s1/staff/{StaffId}")).Problem(HttpStatusCode.NotFound);
        await (await hq.DeleteAsync("/api/stores/s1/staff/not-a-guid")).Problem(HttpStatusCode.BadRequest);
    }

    private static async Task<(string LeadId, string Session)> CodesAndScans(FunnelAppFactory app, HttpClient hq, HttpClient anonymous)
    {
        var code = await hq.CreateCode("s1", "c1");
        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PostAsJsonAsync("/api/stores/nowhere/codes", new { channel = "till" })).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Clerk, "s1", "c1").PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till", clerkId = "c2" })).Problem(HttpStatusCode.Forbidden);
        await (await hq.PostAsync("/api/stores/s1/codes", new StringContent($"{{\"channel\":\"{new string('x', 5000)}\"}}", Encoding.UTF8, "application/json")))
            .Problem(HttpStatusCode.RequestEntityTooLarge);
        var qr = await anonymous.GetAsync($"/api/codes/{code}/qr.png");
        Assert.Equal((HttpStatusCode.OK, "image/png"), (qr.StatusCode, qr.Content.Headers.ContentType?.MediaType));
        await (await anonymous.GetAsync("/api/codes/not-a-code/qr.png")).Problem(HttpStatusCode.BadRequest);

        var scan = await (await anonymous.Scan(code, "shopper-1")).Json(HttpStatusCode.OK);
        var leadId = scan.GetProperty("leadId").GetString()!;
        await (await anonymous.Scan(await hq.CreateCode("s1"), "shopper-2")).Json(HttpStatusCode.OK); // no clerk: clerkId left out
        await (await anonymous.Scan(code, "")).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.Scan("forged", "shopper-1")).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.PostAsync("/api/scans", new StringContent("code=x", Encoding.UTF8, "text/plain"))).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await anonymous.Scan(code, new string('x', 5000))).Problem(HttpStatusCode.RequestEntityTooLarge);
        var tiny = await hq.CreateCode("tiny");
        await (await anonymous.Scan(tiny, "shopper-1")).Json(HttpStatusCode.OK);
        await (await anonymous.Scan(tiny, "shopper-2")).Problem(HttpStatusCode.Conflict);

        await (await hq.GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/leads/not-a-lead")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync($"/api/leads/{new string('a', 32)}")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Pos, "s1").GetAsync($"/api/leads/{leadId}")).Problem(HttpStatusCode.Forbidden);
        return (leadId, scan.GetProperty("session").GetString()!);
    }

    private static async Task Journeys(FunnelAppFactory app, HttpClient hq, HttpClient anonymous, HttpClient shopper, string leadId)
    {
        var accepted = await (await shopper.Event(leadId, "question-asked", new { questionId = "q1" })).Json(HttpStatusCode.Accepted);
        Assert.NotEqual("pending", await shopper.OutcomeOf(accepted));
        await (await shopper.Event(leadId, "question-asked")).Problem(HttpStatusCode.BadRequest);
        await (await shopper.Event(leadId, "trial-completed")).Problem(HttpStatusCode.Forbidden);
        await (await anonymous.Event(leadId, "complaint")).Problem(HttpStatusCode.Unauthorized);
        await (await app.As(Roles.Clerk, "s2", "c9").Event(leadId, "complaint", storeId: "s1")).Problem(HttpStatusCode.Forbidden);
        await (await hq.Event(new string('a', 32), "complaint")).Problem(HttpStatusCode.NotFound);
        await (await anonymous.PostAsync($"/api/leads/{leadId}/events", new StringContent($"{{\"type\":\"{new string('x', 5000)}\"}}", Encoding.UTF8, "application/json")))
            .Problem(HttpStatusCode.RequestEntityTooLarge);
        await (await anonymous.PostAsync($"/api/leads/{leadId}/events", new StringContent("type=complaint", Encoding.UTF8, "text/plain"))).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await shopper.GetAsync($"/api/leads/{leadId}/stores/s1/journey/events/not%7Can-id")).Problem(HttpStatusCode.BadRequest);
        await (await shopper.GetAsync($"/api/leads/{leadId}/stores/s2/journey/events/e1")).Problem(HttpStatusCode.Forbidden);
        await (await anonymous.GetAsync($"/api/leads/{leadId}/stores/s1/journey/events/e1")).Problem(HttpStatusCode.Unauthorized);
        await (await hq.GetAsync($"/api/leads/{leadId}/stores/s2/journey/events/e1")).Problem(HttpStatusCode.NotFound);

        await (await hq.GetAsync($"/api/leads/{leadId}/stores/s1/journey/history")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync($"/api/leads/{leadId}/stores/s2/journey/history")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/leads/not-a-lead/stores/s1/journey/history")).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Clerk, "s2", "c9").GetAsync($"/api/leads/{leadId}/stores/s1/journey/history")).Problem(HttpStatusCode.Forbidden);

        // Points: the rules, a balance, redemptions (no rules in effect: the lead has none to spend).
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 5 })).Json(HttpStatusCode.OK);
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = -1 })).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/programme/points")).Json(HttpStatusCode.OK);
        await (await shopper.GetAsync($"/api/leads/{leadId}/points")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync($"/api/leads/{leadId}/points?limit=0")).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.GetAsync($"/api/leads/{leadId}/points")).Problem(HttpStatusCode.Unauthorized);
        await (await app.As(Roles.Pos, "s1").GetAsync($"/api/leads/{leadId}/points")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s2", "c9").GetAsync($"/api/leads/{leadId}/points")).Problem(HttpStatusCode.NotFound);
        await (await shopper.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "r1", points = 1, reason = "a cup" })).Problem(HttpStatusCode.Conflict);
        await (await shopper.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "r1", points = 0, reason = "a cup" })).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "r1", points = 1, reason = "a cup" })).Problem(HttpStatusCode.Unauthorized);
        await (await app.As(Roles.Pos, "s1").PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "r1", points = 1, reason = "a cup" })).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s2", "c9").PostAsJsonAsync($"/api/leads/{leadId}/points/redemptions", new { redemptionId = "r1", points = 1, reason = "a cup" })).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Clerk, "s1", "c1").PutAsJsonAsync("/api/programme/points", new { joining = 5 })).Problem(HttpStatusCode.Forbidden);
        await (await shopper.PostAsync($"/api/leads/{leadId}/share-code", null)).Json(HttpStatusCode.Created);
        await (await hq.PostAsync("/api/leads/not-a-lead/share-code", null)).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.PostAsync($"/api/leads/{leadId}/share-code", null)).Problem(HttpStatusCode.Unauthorized);
        await (await app.As(Roles.Pos, "s1").PostAsync($"/api/leads/{leadId}/share-code", null)).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s2", "c9").PostAsync($"/api/leads/{leadId}/share-code", null)).Problem(HttpStatusCode.NotFound);

        // KOCs: a promotion with its code, HQ's thresholds, the scorecards of a store and of the chain.
        await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{leadId}", new { quota = 10 })).Json(HttpStatusCode.OK);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{leadId}", new { quota = 0 })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PutAsJsonAsync("/api/stores/s1/kocs/0123456789abcdef0123456789abcdef", new { quota = 10 })).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Clerk, "s2", "c9").PutAsJsonAsync($"/api/stores/s1/kocs/{leadId}", new { quota = 10 })).Problem(HttpStatusCode.Forbidden);
        await (await hq.PutAsJsonAsync("/api/programme/kocs", new { raiseBy = 2.5 })).Json(HttpStatusCode.OK);
        await (await hq.PutAsJsonAsync("/api/programme/kocs", new { raiseBy = 0 })).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/programme/kocs")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/kocs?storeId=s1")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/kocs")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/kocs?month=2026")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/kocs?storeId=nowhere")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Store, "s1").GetAsync("/api/kocs")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/koc-candidates")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/stores/s1/koc-candidates?limit=500")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/nowhere/koc-candidates")).Problem(HttpStatusCode.NotFound);

        await (await hq.GetAsync("/api/stores/s1/tasks")).Json(HttpStatusCode.OK);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/tasks")).Json(HttpStatusCode.OK);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/tasks?clerkId=c2")).Problem(HttpStatusCode.Forbidden);
        await (await hq.GetAsync("/api/stores/s1/tasks?clerkId=not%7Cvalid")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/nowhere/tasks")).Problem(HttpStatusCode.NotFound);
    }

    private static async Task PurchasesAndReports(FunnelAppFactory app, HttpClient hq)
    {
        var pos = app.As(Roles.Pos, "s1");
        static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
        await (await pos.PostAsync("/api/purchases", Json(PurchaseFixtures.Message("p1", "s1", "shopper-1", 12m)))).Json(HttpStatusCode.Accepted);
        await (await pos.PostAsync("/api/purchases", Json(PurchaseFixtures.Message("p2", "s2", "x")))).Problem(HttpStatusCode.Forbidden);
        await (await pos.PostAsJsonAsync("/api/purchases", new { purchaseId = "p3", storeId = "s1", amount = -1 })).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Pos, "nowhere").PostAsync("/api/purchases", Json(PurchaseFixtures.Message("p4", "nowhere", "x")))).Problem(HttpStatusCode.NotFound);
        await (await pos.PostAsync("/api/purchases", new StringContent("purchase", Encoding.UTF8, "text/plain"))).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await pos.PostAsync("/api/purchases", Json($"{{\"purchaseId\":\"{new string('x', 70_000)}\"}}"))).Problem(HttpStatusCode.RequestEntityTooLarge);
        await (await hq.PostAsync("/api/purchases", Json(PurchaseFixtures.Message("p5", "s1", "x")))).Problem(HttpStatusCode.Forbidden);

        await (await hq.GetAsync("/api/stores/s1/funnel?days=7")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/stores/s1/funnel?days=abc")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s1/funnel?days=0")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/nowhere/funnel")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/stores/s1/messages?days=7")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/stores/s1/messages?days=0")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/nowhere/messages")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/stores/s1/wecom/groups")).Problem(HttpStatusCode.NotFound); // the channel is off in this app
        await (await hq.PutAsync("/api/stores/s1/wecom/groups/wrA", null)).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/leaderboard")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/leaderboard?region=east&days=7")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/leaderboard?days=0")).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Store, "s1").GetAsync("/api/leaderboard")).Problem(HttpStatusCode.Forbidden);
    }

    private static async Task Campaigns(FunnelAppFactory app, HttpClient hq, string leadId)
    {
        var now = app.Time.GetUtcNow();
        await (await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "spring", name = "Spring", startsAt = now, endsAt = now.AddDays(30) })).Json(HttpStatusCode.Created);
        await (await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "spring", name = "Spring", startsAt = now, endsAt = now.AddDays(30) })).Problem(HttpStatusCode.Conflict);
        await (await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "autumn", name = "" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/campaigns")).Json(HttpStatusCode.OK);
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { all = true })).Problem(HttpStatusCode.Conflict);

        var bytes = Encoding.UTF8.GetBytes("a poster");
        var asset = await (await Upload(hq, "spring", bytes, "text/plain", "poster.txt")).Json(HttpStatusCode.Created);
        var assetId = asset.GetProperty("assetId").GetString()!;
        await (await Upload(hq, "spring", bytes, "text/plain", "poster.txt")).Json(HttpStatusCode.OK);
        await (await Upload(hq, "spring", bytes, "image/svg+xml", "poster.svg")).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await Upload(hq, "spring", bytes, "text/plain", null)).Problem(HttpStatusCode.BadRequest);
        await (await Upload(hq, "nowhere", bytes, "text/plain", "poster.txt")).Problem(HttpStatusCode.NotFound);
        await (await Upload(hq, "spring", new byte[1024 * 1024 + 1], "text/plain", "big.txt")).Problem(HttpStatusCode.RequestEntityTooLarge);

        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { storeIds = TwoStores, region = "east" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PostAsJsonAsync("/api/campaigns/nowhere/push", new { all = true })).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/campaigns/nowhere/push")).Problem(HttpStatusCode.NotFound);
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { storeIds = PushTargets })).Json(HttpStatusCode.Accepted);
        Assert.True(await Eventually.Holds(async () =>
            (await (await hq.GetAsync("/api/campaigns/spring/push")).Json(HttpStatusCode.OK)).GetProperty("complete").GetBoolean(), TimeSpan.FromSeconds(20)), "The push did not complete.");
        await (await hq.GetAsync("/api/campaigns/spring/execution")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/campaigns/spring/execution?afterHours=-1")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/campaigns/nowhere/execution")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Store, "s1").GetAsync("/api/campaigns")).Problem(HttpStatusCode.Forbidden);

        var store = app.As(Roles.Store, "s1");
        await (await store.GetAsync("/api/stores/s1/assets")).Json(HttpStatusCode.OK);
        await (await store.PostAsJsonAsync($"/api/stores/s1/assets/{assetId}/ack", new { action = "downloaded" })).Json(HttpStatusCode.OK);
        await (await store.PostAsJsonAsync($"/api/stores/s1/assets/{assetId}/ack", new { action = "nothing" })).Problem(HttpStatusCode.BadRequest);
        await (await store.PostAsJsonAsync("/api/stores/s1/assets/unknown/ack", new { action = "posted" })).Problem(HttpStatusCode.NotFound);
        var clerk = app.As(Roles.Clerk, "s1", "c1");
        var share = await (await clerk.GetAsync($"/api/stores/s1/assets/{assetId}/share?leadId={leadId}")).Json(HttpStatusCode.OK);
        await (await clerk.GetAsync($"/api/stores/s1/assets/{assetId}/share?leadId=nope")).Problem(HttpStatusCode.BadRequest);
        await (await clerk.GetAsync("/api/stores/s1/assets/unknown/share")).Problem(HttpStatusCode.NotFound);

        var path = new Uri(share.GetProperty("url").GetString()!).PathAndQuery;
        using var noRedirect = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await noRedirect.GetAsync(path)).StatusCode);
        await (await noRedirect.GetAsync(path[..^3] + "AAA")).Problem(HttpStatusCode.BadRequest);
        app.Time.Advance(TimeSpan.FromDays(15));
        await (await noRedirect.GetAsync(path)).Problem(HttpStatusCode.Gone);
    }

    private static Task<HttpResponseMessage> Upload(HttpClient hq, string campaign, byte[] bytes, string type, string? name)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return hq.PostAsync($"/api/campaigns/{campaign}/assets{(name is null ? "" : "?name=" + name)}", content);
    }
}
