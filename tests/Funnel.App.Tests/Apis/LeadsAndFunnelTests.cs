using System.Net;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Apis;

[Collection(AzuriteCollection.Name)]
public sealed class LeadsAndFunnelTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GetLead_ShowsStoreClerkTagsAndGroups_WithoutTheIdentity()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var scan = await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "+8613800001111")).Json(HttpStatusCode.OK);
        var leadId = scan.GetProperty("leadId").GetString();

        var response = await hq.GetAsync($"/api/leads/{leadId}");
        var lead = await response.Json(HttpStatusCode.OK);

        Assert.Equal("s1", lead.GetProperty("storeId").GetString());
        Assert.Equal("c1", lead.GetProperty("clerkId").GetString());
        Assert.Equal("awareness", lead.GetProperty("stage").GetString());
        Assert.Equal(["channel:till", "clerk:c1"], lead.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var group = Assert.Single(lead.GetProperty("groups").EnumerateArray());
        Assert.Equal("mass-1", group.GetProperty("groupId").GetString());
        Assert.Equal("mass", group.GetProperty("tier").GetString());
        Assert.DoesNotContain("13800001111", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLead_FromAnotherStoresToken_IsNotFound_HqSeesEveryStore()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateStore("s3");
        var leadId = (await (await app.Anonymous().Scan(await hq.CreateCode("s1"), "p1")).Json(HttpStatusCode.OK)).GetProperty("leadId").GetString();
        await (await app.Anonymous().Scan(await hq.CreateCode("s2", channel: "poster"), "p1")).Json(HttpStatusCode.OK);

        await (await app.As(Roles.Store, "s3").GetAsync($"/api/leads/{leadId}")).Problem(HttpStatusCode.NotFound);
        var asS2 = await (await app.As(Roles.Clerk, "s2", "c9").GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK);
        var asHq = await (await hq.GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK);

        Assert.Equal(["s2"], asS2.GetProperty("stores").EnumerateArray().Select(s => s.GetProperty("storeId").GetString()));
        Assert.Equal(["s1", "s2"], asHq.GetProperty("stores").EnumerateArray().Select(s => s.GetProperty("storeId").GetString()).Order());
        Assert.Equal("s1", asHq.GetProperty("storeId").GetString());
        await (await hq.GetAsync("/api/leads/not-a-lead")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync($"/api/leads/{new string('0', 32)}")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Funnel_CountsPerClerkAndPerLocalDay()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await hq.CreateClerk("s1", "c2");
        var shopper = app.Anonymous();
        var c1 = await hq.CreateCode("s1", "c1");
        var c2 = await hq.CreateCode("s1", "c2");
        var door = await hq.CreateCode("s1", channel: "door");

        await shopper.Scan(c1, "a");
        await shopper.Scan(c1, "b");
        await shopper.Scan(c2, "c");
        await shopper.Scan(door, "d");
        app.Time.Advance(TimeSpan.FromDays(1));
        await shopper.Scan(c2, "a"); // returning: a scan for c2, the lead stays c1's

        var today = await (await hq.GetAsync("/api/stores/s1/funnel?from=2026-11-24&to=2026-11-24")).Json(HttpStatusCode.OK);
        var both = await hq.Funnel("s1");

        Assert.Equal(1, today.GetProperty("scans").GetInt64());
        Assert.Equal(0, today.GetProperty("leads").GetInt64());
        Assert.Equal(5, both.GetProperty("scans").GetInt64());
        Assert.Equal(4, both.GetProperty("leads").GetInt64());
        Assert.Equal(4, both.GetProperty("joined").GetInt64());
        var byClerk = both.GetProperty("byClerk").EnumerateArray().ToDictionary(c => c.GetProperty("clerkId").GetString()!);
        Assert.Equal(2, byClerk["c1"].GetProperty("leads").GetInt64());
        Assert.Equal(2, byClerk["c1"].GetProperty("scans").GetInt64());
        Assert.Equal(1, byClerk["c2"].GetProperty("leads").GetInt64());
        Assert.Equal(2, byClerk["c2"].GetProperty("scans").GetInt64());
        Assert.Equal("2026-10-26", both.GetProperty("from").GetString());
        Assert.Equal("2026-11-24", both.GetProperty("to").GetString());
    }

    [Fact]
    public async Task Funnel_BadRange_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");

        await (await hq.GetAsync("/api/stores/s1/funnel?from=2026-11-20&to=2026-11-01")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s1/funnel?from=yesterday")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s1/funnel?from=2020-01-01&to=2026-01-01")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/stores/s404/funnel")).Problem(HttpStatusCode.NotFound);
    }
}
