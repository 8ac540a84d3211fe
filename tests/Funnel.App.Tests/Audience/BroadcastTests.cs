using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;
using Microsoft.Extensions.DependencyInjection;
using static Funnel.App.Auth.Roles;

namespace Funnel.App.Tests.Audience;

/// <summary>
/// A segment picks leads by their tags; a broadcast to it runs on the durable engine, sends each lead one message
/// through its channel, skips with a reason (consent, the frequency cap) and counts opens and conversions.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BroadcastTests(AzuriteFixture azurite)
{
    private static readonly string[] Vip = ["vip"];
    private static readonly string[] BadTag = ["Bad Tag"];
    private static readonly string[] Asleep = ["asleep"];
    private static readonly string[] Awareness = ["awareness"];

    [Fact]
    public async Task A_broadcast_sends_each_lead_once_skips_with_reasons_and_counts_opens_and_conversions()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: AudienceFixtures.Delivering(new() { ["Broadcasts:MaxPerLead"] = "1", ["Broadcasts:BatchSize"] = "2" }));
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2", region: "west");
        await hq.CreateClerk("s1", "c1");
        var shoppers = await app.Shoppers(await hq.CreateCode("s1", "c1"), 5);
        var elsewhere = await app.Shoppers(await hq.CreateCode("s2"), 1, first: 10);
        var clerk = app.As(Clerk, "s1", "c1");
        foreach (var (lead, _) in shoppers.Take(4)) await clerk.Tag(lead, "vip");
        await app.As(Store, "s2").Tag(elsewhere[0].LeadId, "vip");
        var (optedOut, phone) = shoppers[3];
        await (await app.As(Store, "s1").PutAsJsonAsync($"/api/leads/{optedOut}/consent", new { choice = "out" })).Json(HttpStatusCode.OK);

        var segment = await hq.Segment(new { segmentId = "vips-east", name = "East VIPs", scope = new { kind = "region", region = "east" }, filter = new { tagsAll = Vip } });
        Assert.Equal("region", segment.GetProperty("scope").GetProperty("kind").GetString());
        var preview = await hq.Preview("vips-east");
        Assert.Equal(4, preview.GetProperty("count").GetInt32());
        Assert.Equal(shoppers.Take(4).Select(s => s.LeadId).Order(), preview.GetProperty("sample").EnumerateArray().Select(m => m.GetProperty("leadId").GetString()).Order());

        await (await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "spring", name = "Spring", startsAt = app.Time.GetUtcNow(), endsAt = app.Time.GetUtcNow().AddDays(30) })).Json(HttpStatusCode.Created);
        var poster = new ByteArrayContent([137, 80, 78, 71]);
        poster.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var assetId = (await (await hq.PostAsync("/api/campaigns/spring/assets?name=poster.png", poster)).Json(HttpStatusCode.Created)).GetProperty("assetId").GetString()!;
        var body = new { broadcastId = "b1", segmentId = "vips-east", text = "New in at {store}", campaignId = "spring", assetId };
        var accepted = await hq.Broadcast(body);
        Assert.Equal("b1", accepted.GetProperty("broadcastId").GetString());
        await hq.Broadcast(body); // the same broadcast again: nothing twice
        var report = await hq.Finished("b1");
        Assert.Equal((4, 3, 3), (report.GetProperty("targeted").GetInt32(), report.GetProperty("queued").GetInt32(), report.GetProperty("sent").GetInt32()));
        Assert.Equal(1, report.GetProperty("skipped").GetProperty("opted-out").GetInt32());
        var markers = app.Table("deliveries").QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == "s1");
        Assert.Equal(3, await markers.CountAsync(e => e.RowKey.StartsWith("m|bc:b1:", StringComparison.Ordinal) && e.GetString("Status") == "Sent"));

        // The frequency cap (1 a week here): a second broadcast the same day reaches nobody.
        await hq.Broadcast(new { broadcastId = "b2", segmentId = "vips-east", text = "Again" });
        var second = await hq.Finished("b2");
        Assert.Equal((0, 3, 1), (second.GetProperty("sent").GetInt32(), second.GetProperty("skipped").GetProperty("frequency-cap").GetInt32(),
            second.GetProperty("skipped").GetProperty("opted-out").GetInt32()));
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "b2", segmentId = "vips-east", text = "Other words" })).Problem(HttpStatusCode.Conflict);

        // An open of the tracked link counts once, then goes on to the asset's share link; a purchase within the window converts.
        var opener = shoppers[0].LeadId;
        var row = await app.Table("broadcasts").QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == "b1").FirstAsync(e => e.GetString("LeadId") == opener);
        var token = app.Services.GetRequiredService<Funnel.Core.Audience.BroadcastLinks>().Sign("b1", row.RowKey);
        var noRedirect = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var opened = await noRedirect.GetAsync($"/b/{token}");
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.StartsWith("/a/", opened.Headers.Location!.ToString(), StringComparison.Ordinal);
        await noRedirect.GetAsync($"/b/{token}");
        await (await noRedirect.GetAsync($"/b/{token}x")).Problem(HttpStatusCode.BadRequest);
        app.Time.Advance(TimeSpan.FromDays(2));
        await (await app.InvokeQueue(AudienceFixtures.Purchase("p1", "s1", shoppers[1].Phone, 80m, app.Time.GetUtcNow()))).Ok();
        await (await app.InvokeQueue(AudienceFixtures.Purchase("p2", "s1", shoppers[1].Phone, 20m, app.Time.GetUtcNow()))).Ok();
        await (await app.InvokeQueue(AudienceFixtures.Purchase("p3", "s1", shoppers[4].Phone, 20m, app.Time.GetUtcNow()))).Ok(); // not targeted
        var after = await (await hq.GetAsync("/api/broadcasts/b1")).Json(HttpStatusCode.OK);
        Assert.Equal((1, 1), (after.GetProperty("opened").GetInt32(), after.GetProperty("converted").GetInt32()));
        Assert.Equal(0.3333, after.GetProperty("conversionRate").GetDouble());
        _ = phone;
    }

    [Fact]
    public async Task A_store_segments_and_broadcasts_within_its_own_store_only()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await app.Shoppers(await hq.CreateCode("s1"), 3);
        await app.Shoppers(await hq.CreateCode("s2"), 2, first: 20);
        var store = app.As(Store, "s1");

        await (await store.PostAsJsonAsync("/api/segments", new { name = "Everyone", scope = new { kind = "chain" } })).Problem(HttpStatusCode.Forbidden);
        var own = await store.Segment(new { segmentId = "s1-all", name = "Everyone here" });
        Assert.Equal("s1", own.GetProperty("scope").GetProperty("storeId").GetString());
        Assert.Equal(3, (await store.Preview("s1-all")).GetProperty("count").GetInt32());
        var chain = await hq.Segment(new { segmentId = "all", name = "Everyone" });
        Assert.Equal(5, (await hq.Preview("all")).GetProperty("count").GetInt32());
        await (await store.GetAsync("/api/segments/all/preview")).Problem(HttpStatusCode.NotFound);
        await (await store.PostAsJsonAsync("/api/broadcasts", new { segmentId = "all", text = "hi" })).Problem(HttpStatusCode.NotFound);
        Assert.Single((await (await store.GetAsync("/api/segments")).Json(HttpStatusCode.OK)).EnumerateArray());
        var invalid = await (await hq.PostAsJsonAsync("/api/segments/preview", new { filter = new { tagsAll = BadTag, stages = Asleep } })).Json(HttpStatusCode.BadRequest);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("filter.stages", out _));
        var draft = await (await hq.PostAsJsonAsync("/api/segments/preview", new { scope = new { kind = "store", storeId = "s2" }, filter = new { stages = Awareness } })).Json(HttpStatusCode.OK);
        Assert.Equal(2, draft.GetProperty("count").GetInt32());
        _ = chain;
    }
}
