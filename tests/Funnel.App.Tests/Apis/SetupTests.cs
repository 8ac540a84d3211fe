using System.Net;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Apis;

[Collection(AzuriteCollection.Name)]
public sealed class SetupTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PutStore_Defaults_ThenGetReturnsIt()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();

        var put = await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "Downtown", region = "east" })).Json(HttpStatusCode.OK);
        var get = await (await hq.GetAsync("/api/stores/s1")).Json(HttpStatusCode.OK);

        Assert.Equal(200, put.GetProperty("groupCapacity").GetInt32());
        Assert.Equal(20, put.GetProperty("maxGroups").GetInt32());
        Assert.Equal("UTC", put.GetProperty("timeZone").GetString());
        Assert.Equal("Downtown", get.GetProperty("name").GetString());
        Assert.Equal("east", get.GetProperty("region").GetString());
    }

    [Fact]
    public async Task PutStore_InvalidFields_Is400ListingEach()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        var response = await app.Hq().PutAsJsonAsync("/api/stores/s1", new { name = "", region = "a b", groupCapacity = 0, maxGroups = 9999, timeZone = "Mars/Olympus" });

        var errors = (await response.Problem(HttpStatusCode.BadRequest)).GetProperty("errors");
        foreach (var field in new[] { "name", "region", "groupCapacity", "maxGroups", "timeZone" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}");
        }
        await (await app.Hq().GetAsync("/api/stores/s1")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutStore_InvalidStoreId_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        await (await app.Hq().PutAsJsonAsync("/api/stores/bad%7Cid", new { name = "x", region = "east" })).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PutClerk_UnknownStore_Is404()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        await (await app.Hq().PutAsJsonAsync("/api/stores/nowhere/clerks/c1", new { name = "Li" })).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CreateCode_ReturnsSignedCodeWithScanAndQrUrls()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");

        var response = await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", campaignId = "spring", channel = "till" });

        var body = await response.Json(HttpStatusCode.Created);
        var code = body.GetProperty("code").GetString()!;
        Assert.Matches("^[A-Za-z0-9_.-]+$", code);
        Assert.Equal($"https://funnel.test/s/{code}", body.GetProperty("scanUrl").GetString());
        Assert.Equal($"https://funnel.test/api/codes/{code}/qr.png", body.GetProperty("qrPngUrl").GetString());
        Assert.Equal(body.GetProperty("qrPngUrl").GetString(), response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task CreateCode_UnknownClerkOrStore_Is404_MissingChannel_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");

        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "nobody", channel = "till" })).Problem(HttpStatusCode.NotFound);
        await (await hq.PostAsJsonAsync("/api/stores/s9/codes", new { channel = "till" })).Problem(HttpStatusCode.NotFound);
        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1" })).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task QrPng_IsAPngForAValidCode_And400ForAForgedOne()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");

        var response = await app.Anonymous().GetAsync($"/api/codes/{code}/qr.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        Assert.True(png.Length > 200);
        await (await app.Anonymous().GetAsync($"/api/codes/{code[..^2]}xx/qr.png")).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethod_AreProblemsWithADetail()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        await (await app.Anonymous().GetAsync("/api/nothing-here")).Problem(HttpStatusCode.NotFound);
        await (await app.Anonymous().DeleteAsync("/api/scans")).Problem(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Health_IsOkOnAzurite()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        var body = await (await app.Anonymous().GetAsync("/healthz")).Json(HttpStatusCode.OK);

        Assert.Equal("ok", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_StorageUnreachable_Is503()
    {
        await using var app = new FunnelAppFactory(FunnelAppFactory.UnreachableStorage);

        await (await app.Anonymous().GetAsync("/healthz")).Problem(HttpStatusCode.ServiceUnavailable);
    }
}
