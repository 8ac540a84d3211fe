using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;

namespace Funnel.App.Tests.Campaigns;

/// <summary>HQ pushes an asset to stores in three regions; stores download through SAS URLs, ack, and HQ sees who executed.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CampaignTests(AzuriteFixture azurite)
{
    private static readonly string[] Regions = ["east", "west", "north"];
    private static readonly string[] Targets = ["east-1", "east-2", "west-1", "west-2", "north-1", "north-2", "nowhere"];

    private async Task<(FunnelAppFactory App, HttpClient Hq)> Chain(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Triggers:LocalRunner"] = "true", ["Triggers:MaxPollingIntervalMs"] = "100" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: all);
        var hq = app.Hq();
        foreach (var region in Regions)
        {
            await hq.CreateStore($"{region}-1", region: region);
            await hq.CreateStore($"{region}-2", region: region);
        }
        var created = await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "spring", name = "Spring launch", startsAt = app.Time.GetUtcNow(), endsAt = app.Time.GetUtcNow().AddDays(30) });
        await created.Json(HttpStatusCode.Created);
        return (app, hq);
    }

    /// <summary>Waits until the local runner has worked off every batch of the campaign's latest push.</summary>
    private static async Task PushCompleted(HttpClient hq) =>
        Assert.True(await Eventually.Holds(async () =>
            (await (await hq.GetAsync("/api/campaigns/spring/push")).Json(HttpStatusCode.OK)).GetProperty("complete").GetBoolean(), TimeSpan.FromSeconds(20)),
            "The push did not complete.");

    private static Task<HttpResponseMessage> Upload(HttpClient hq, byte[] bytes, string type = "image/png", string name = "poster.png", string campaign = "spring")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return hq.PostAsync($"/api/campaigns/{campaign}/assets?name={name}", content);
    }

    [Fact]
    public async Task UploadPushDownloadAck_TheExecutionReportIsExact()
    {
        var (app, hq) = await Chain();
        await using var owned = app;
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var asset = await (await Upload(hq, bytes)).Json(HttpStatusCode.Created);
        var again = await (await Upload(hq, bytes)).Json(HttpStatusCode.OK);
        var assetId = asset.GetProperty("assetId").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), asset.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, asset.GetProperty("size").GetInt64());
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(assetId, again.GetProperty("assetId").GetString());

        var push = await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { storeIds = Targets }))
            .Json(HttpStatusCode.Accepted);
        Assert.Equal(6, push.GetProperty("targeted").GetInt32());
        Assert.Equal(["nowhere"], push.GetProperty("unknownStoreIds").EnumerateArray().Select(s => s.GetString()));
        await PushCompleted(hq);

        var store = app.As(Roles.Store, "east-1");
        var listed = Assert.Single((await (await store.GetAsync("/api/stores/east-1/assets")).Json(HttpStatusCode.OK)).EnumerateArray());
        using var download = new HttpClient();
        Assert.Equal(bytes, await download.GetByteArrayAsync(listed.GetProperty("downloadUrl").GetString()));

        await (await store.PostAsJsonAsync($"/api/stores/east-1/assets/{assetId}/ack", new { action = "downloaded" })).Json(HttpStatusCode.OK);
        await (await store.PostAsJsonAsync($"/api/stores/east-1/assets/{assetId}/ack", new { action = "posted", clerkId = "c1" })).Json(HttpStatusCode.OK);
        var repeated = await (await store.PostAsJsonAsync($"/api/stores/east-1/assets/{assetId}/ack", new { action = "downloaded" })).Json(HttpStatusCode.OK);
        Assert.Equal("posted", repeated.GetProperty("status").GetString()); // never moves back
        var west = app.As(Roles.Store, "west-1");
        await (await west.PostAsJsonAsync($"/api/stores/west-1/assets/{assetId}/ack", new { action = "downloaded" })).Json(HttpStatusCode.OK);
        // Pushing again (to the same six) changes nothing that was acked.
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { storeIds = Targets })).Json(HttpStatusCode.Accepted);
        await PushCompleted(hq);
        Assert.Equal("posted", (await (await store.GetAsync("/api/stores/east-1/assets")).Json(HttpStatusCode.OK))[0].GetProperty("status").GetString());

        var report = await (await hq.GetAsync("/api/campaigns/spring/execution")).Json(HttpStatusCode.OK);
        Assert.Equal((6, 2, 1), (report.GetProperty("targeted").GetInt32(), report.GetProperty("downloaded").GetInt32(), report.GetProperty("posted").GetInt32()));
        Assert.Equal(Math.Round(1 / 6.0, 4), report.GetProperty("executionRate").GetDouble());
        var east = report.GetProperty("byRegion").EnumerateArray().Single(r => r.GetProperty("region").GetString() == "east");
        Assert.Equal((2, 1, 1), (east.GetProperty("targeted").GetInt32(), east.GetProperty("downloaded").GetInt32(), east.GetProperty("posted").GetInt32()));
        Assert.Empty(report.GetProperty("notExecuted").EnumerateArray()); // not 24 h yet
        var statuses = report.GetProperty("byStore").EnumerateArray().ToDictionary(s => s.GetProperty("storeId").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal(("posted", "downloaded", "assigned"), (statuses["east-1"], statuses["west-1"], statuses["east-2"])); // names, not numbers
        app.Time.Advance(TimeSpan.FromHours(25));
        var later = await (await hq.GetAsync("/api/campaigns/spring/execution")).Json(HttpStatusCode.OK);
        Assert.Equal(["east-2", "north-1", "north-2", "west-1", "west-2"], later.GetProperty("notExecuted").EnumerateArray().Select(s => s.GetString()));

        // The delayed check (run here by hand, as the queue would after 24 h) gives each of them a follow-up task,
        // which goes away when the store posts.
        var pushId = (await (await hq.GetAsync("/api/campaigns/spring/push")).Json(HttpStatusCode.OK)).GetProperty("pushId").GetString();
        var check = JsonSerializer.Serialize(new { kind = "check", campaignId = "spring", pushId, batch = -1, stores = Array.Empty<object>(), assetIds = Array.Empty<string>() });
        await (await app.TriggerClient().PostAsJsonAsync("/CampaignPush", Purchases.PurchaseFixtures.QueueEnvelope(check))).Json(HttpStatusCode.OK);
        Assert.Equal("campaign-not-executed", Assert.Single((await hq.Tasks("west-1", "-")).EnumerateArray()).GetProperty("kind").GetString());
        Assert.Empty((await hq.Tasks("east-1", "-")).EnumerateArray());
        await (await west.PostAsJsonAsync($"/api/stores/west-1/assets/{assetId}/ack", new { action = "posted" })).Json(HttpStatusCode.OK);
        Assert.Empty((await hq.Tasks("west-1", "-")).EnumerateArray());
        Assert.Single((await hq.Tasks("west-2", "-")).EnumerateArray());
    }

    [Fact]
    public async Task ShareLink_RecordsContentOpenedForTheLead_AndRedirectsToTheAsset_ExpiredOrForgedIsRefused()
    {
        var (app, hq) = await Chain();
        await using var owned = app;
        await hq.CreateClerk("east-1", "c1");
        var leadId = await app.Anonymous().ScanLead(await hq.CreateCode("east-1", "c1"), "shopper-1");
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var assetId = (await (await Upload(hq, bytes, "application/pdf", "guide.pdf")).Json(HttpStatusCode.Created)).GetProperty("assetId").GetString()!;
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { region = "east" })).Json(HttpStatusCode.Accepted);
        await PushCompleted(hq);

        var clerk = app.As(Roles.Clerk, "east-1", "c1");
        var share = await (await clerk.GetAsync($"/api/stores/east-1/assets/{assetId}/share?leadId={leadId}")).Json(HttpStatusCode.OK);
        var path = new Uri(share.GetProperty("url").GetString()!).PathAndQuery;
        using var noRedirect = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var opened = await noRedirect.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        using var download = new HttpClient();
        Assert.Equal(bytes, await download.GetByteArrayAsync(opened.Headers.Location));
        await hq.HistoryHolds(leadId, h => h.Contains("content opened")); // the journey takes the event in the background
        Assert.Contains("campaign:spring", (await hq.Lead(leadId)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        await (await noRedirect.GetAsync(path[..^3] + "AAA")).Problem(HttpStatusCode.BadRequest);
        app.Time.Advance(TimeSpan.FromDays(15));
        await (await noRedirect.GetAsync(path)).Problem(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task DownloadUrl_IsRefusedByStorage_OnceExpired()
    {
        var (app, hq) = await Chain(new Dictionary<string, string?> { ["Campaigns:DownloadUrlSeconds"] = "2" });
        await using var owned = app;
        await (await Upload(hq, RandomNumberGenerator.GetBytes(100))).Json(HttpStatusCode.Created);
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { storeIds = new List<string> { "east-1" } })).Json(HttpStatusCode.Accepted);
        await PushCompleted(hq);
        var url = (await (await hq.GetAsync("/api/stores/east-1/assets")).Json(HttpStatusCode.OK))[0].GetProperty("downloadUrl").GetString();
        using var download = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await download.GetAsync(url)).StatusCode);

        // Storage checks the link's expiry on the real clock: the same link is refused once its 2 s are over.
        var refused = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = (await download.GetAsync(url)).StatusCode) == HttpStatusCode.OK && refused.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(200);
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task BadUploadsAndReads_AreProblems_AndLeaveNothingBehind()
    {
        var (app, hq) = await Chain(new Dictionary<string, string?> { ["Campaigns:MaxAssetMb"] = "1" });
        await using var owned = app;

        await (await Upload(hq, RandomNumberGenerator.GetBytes(1_200_000))).Problem(HttpStatusCode.RequestEntityTooLarge);
        var chunked = new StreamContent(new MemoryStream(RandomNumberGenerator.GetBytes(1_200_000)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/spring/assets?name=clip.mp4") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await hq.SendAsync(request)).Problem(HttpStatusCode.RequestEntityTooLarge);
        await (await Upload(hq, [1, 2, 3], "application/x-msdownload", "setup.exe")).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await Upload(hq, [1, 2, 3], "image/svg+xml", "logo.svg")).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await Upload(hq, [1, 2, 3], campaign: "nope")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Store, "east-1").GetAsync("/api/stores/west-1/assets")).Problem(HttpStatusCode.Forbidden);
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { all = true })).Problem(HttpStatusCode.Conflict); // no asset yet
        await (await hq.PostAsJsonAsync("/api/campaigns/spring/push", new { all = true, region = "east" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PostAsJsonAsync("/api/campaigns", new { campaignId = "spring", name = "again", startsAt = app.Time.GetUtcNow(), endsAt = app.Time.GetUtcNow().AddDays(1) }))
            .Problem(HttpStatusCode.Conflict);

        // No half-registered asset and no orphan blob.
        var blobs = new Azure.Storage.Blobs.BlobContainerClient(app.ConnectionString, app.TablePrefix.ToLowerInvariant() + "assets");
        var left = new List<string>();
        await foreach (var b in blobs.GetBlobsAsync()) left.Add(b.Name);
        Assert.Empty(left);
        Assert.Empty(await app.Table("campaigns").QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == "spring" && e.RowKey.CompareTo("asset|") > 0 && e.RowKey.CompareTo("asset|~") < 0).ToListAsync());
    }
}
