using System.Net;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;

namespace Funnel.App.Tests.Purchases;

/// <summary>A shopper who scans with "+86 138 0013 8000" and buys as "13800138000" at the till is one lead, credited once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShopperIdentityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_phone_number_typed_two_ways_is_one_lead_and_its_sale_is_credited()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var shopper = app.Anonymous();

        var leadId = await shopper.ScanLead(code, "+86 138 0013 8000");
        var again = await (await shopper.Scan(code, "138-0013-8000")).Json(HttpStatusCode.OK);
        Assert.Equal(leadId, again.GetProperty("leadId").GetString());

        (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13800138000", 88m))).EnsureSuccessStatusCode();
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1, 88m), (funnel.GetProperty("purchases").GetInt64(), funnel.GetProperty("revenue").GetDecimal()));
    }

    [Fact]
    public async Task A_store_names_its_phone_country_and_a_bad_one_is_refused()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        var store = await (await hq.PutAsJsonAsync("/api/stores/hk1", new { name = "Causeway Bay", region = "hk", phoneRegion = "HK", currency = "HKD" })).Json(HttpStatusCode.OK);
        Assert.Equal("HK", store.GetProperty("phoneRegion").GetString());
        var bad = await (await hq.PutAsJsonAsync("/api/stores/hk2", new { name = "X", region = "hk", phoneRegion = "Hong Kong" })).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("phoneRegion", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var code = await hq.CreateCode("hk1");
        var local = await app.Anonymous().ScanLead(code, "9123 4567");
        Assert.Equal(local, await app.Anonymous().ScanLead(code, "+852 9123 4567"));
    }
}
