using System.Net;
using Azure.Data.Tables;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Scans;

[Collection(AzuriteCollection.Name)]
public sealed class ScanConcurrencyTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Scan_500ConcurrentDistinctShoppers_FillGroupsOf200_200_100WithExactCounters()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1", capacity: 200);
        await hq.CreateClerk("s1", "c1");
        var code = await hq.CreateCode("s1", "c1");
        var shopper = app.Hq(); // staff see whether a lead is new (an anonymous scan does not say)

        var responses = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => shopper.Scan(code, $"shopper-{i}")));

        var seats = new List<(string LeadId, string GroupId)>();
        foreach (var r in responses)
        {
            var body = await r.Json(HttpStatusCode.OK);
            Assert.True(body.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
            seats.Add((body.GetProperty("leadId").GetString()!, body.GetProperty("group").GetProperty("groupId").GetString()!));
        }
        Assert.Equal(500, seats.Select(s => s.LeadId).Distinct().Count());
        Assert.Equal([("mass-1", 200), ("mass-2", 200), ("mass-3", 100)],
            seats.GroupBy(s => s.GroupId).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));

        var groups = await hq.Groups("s1");
        Assert.Equal([200, 200, 100], groups.EnumerateArray().Select(g => g.GetProperty("members").GetInt32()));
        Assert.Equal(["full", "full", "open"], groups.EnumerateArray().Select(g => g.GetProperty("status").GetString()));

        // Storage agrees: one membership row per shopper, each in exactly one group.
        var members = app.Table("stores").QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"s1"} and RowKey ge {"member|"} and RowKey lt {"member|~"}"));
        var rows = new List<TableEntity>();
        await foreach (var m in members) rows.Add(m);
        Assert.Equal(500, rows.Count);
        Assert.All(rows, m => Assert.Single(m.GetString("Groups").Split(',')));

        var funnel = await hq.Funnel("s1");
        Assert.Equal(500, funnel.GetProperty("scans").GetInt64());
        Assert.Equal(500, funnel.GetProperty("leads").GetInt64());
        Assert.Equal(500, funnel.GetProperty("joined").GetInt64());
        var clerk = Assert.Single(funnel.GetProperty("byClerk").EnumerateArray());
        Assert.Equal(500, clerk.GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task Scan_SameShopper20TimesConcurrently_HoldsOneSeat()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var shopper = app.Hq(); // staff see whether a lead is new (an anonymous scan does not say)

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => shopper.Scan(code, "the-same-shopper")));

        var bodies = await Task.WhenAll(responses.Select(r => r.Json(HttpStatusCode.OK)));
        Assert.Single(bodies.Select(b => b.GetProperty("leadId").GetString()).Distinct());
        Assert.All(bodies, b => Assert.Equal("mass-1", b.GetProperty("group").GetProperty("groupId").GetString()));
        Assert.Single(bodies, b => b.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
        Assert.Single(bodies, b => b.GetProperty("detail").GetProperty("isNewAtStore").GetBoolean());

        var group = Assert.Single((await hq.Groups("s1")).EnumerateArray());
        Assert.Equal(1, group.GetProperty("members").GetInt32());
        var funnel = await hq.Funnel("s1");
        Assert.Equal(20, funnel.GetProperty("scans").GetInt64());
        Assert.Equal(1, funnel.GetProperty("leads").GetInt64());
        Assert.Equal(1, funnel.GetProperty("joined").GetInt64());
    }

    [Fact]
    public async Task Scan_TwoAppInstancesOnOneStore_NeverOverfillAndCountExactly()
    {
        // Two instances share the tables but not their caches: only the ETags keep them honest. (Seats are the point
        // here: the journeys the scans start wait for a worker, which neither instance runs.)
        var noWorker = new Dictionary<string, string?> { ["Journeys:Worker"] = "false" };
        await using var first = new FunnelAppFactory(azurite.Server.ConnectionString, settings: noWorker);
        await using var second = new FunnelAppFactory(azurite.Server.ConnectionString, first.TablePrefix, noWorker);
        await first.Hq().CreateStore("s1", capacity: 50);
        var code = await first.Hq().CreateCode("s1");
        var a = first.Anonymous();
        var b = second.Anonymous();

        // Every shopper scans on both instances at once, too.
        var responses = await Task.WhenAll(Enumerable.Range(0, 120).SelectMany(i => new[] { a.Scan(code, $"p{i}"), b.Scan(code, $"p{i}") }));

        foreach (var r in responses) await r.Json(HttpStatusCode.OK);
        var groups = await first.Hq().Groups("s1");
        Assert.Equal([50, 50, 20], groups.EnumerateArray().Select(g => g.GetProperty("members").GetInt32()));
        var funnel = await second.Hq().Funnel("s1");
        Assert.Equal(240, funnel.GetProperty("scans").GetInt64());
        Assert.Equal(120, funnel.GetProperty("leads").GetInt64());
        Assert.Equal(120, funnel.GetProperty("joined").GetInt64());
    }

    [Fact]
    public async Task Scan_SeatedInAGroupAnotherInstanceOpened_IsNotToldGroupsAreFull()
    {
        await using var a = new FunnelAppFactory(azurite.Server.ConnectionString);
        await using var b = new FunnelAppFactory(azurite.Server.ConnectionString, a.TablePrefix);
        await a.Hq().CreateStore("s1", capacity: 1, maxGroups: 5);
        await a.Hq().CreateClerk("s1", "c1");
        var code = await a.Hq().CreateCode("s1");
        await (await a.Anonymous().Scan(code, "p1")).Json(HttpStatusCode.OK); // a's lane caches mass-1 only
        // b opens mass-2 through a clerk's code: it writes another counter row, so nothing a caches goes stale.
        var seated = await (await b.Anonymous().Scan(await a.Hq().CreateCode("s1", "c1"), "p2")).Json(HttpStatusCode.OK);

        var again = await (await a.Anonymous().Scan(code, "p2")).Json(HttpStatusCode.OK);

        Assert.Equal("mass-2", seated.GetProperty("group").GetProperty("groupId").GetString());
        Assert.Equal("mass-2", again.GetProperty("group").GetProperty("groupId").GetString());
    }

    [Fact]
    public async Task Scan_RetriedWithTheSameScanId_IsCountedOnceAndAnsweredTheSame()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var shopper = app.Hq(); // staff see whether a lead is new (an anonymous scan does not say)

        var first = await (await shopper.Scan(code, "p1", scanId: "scan-42")).Json(HttpStatusCode.OK);
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => shopper.Scan(code, "p1", scanId: "scan-42")));

        foreach (var r in again)
        {
            var body = await r.Json(HttpStatusCode.OK);
            Assert.True(body.GetProperty("replayed").GetBoolean());
            Assert.True(body.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
            Assert.Equal(first.GetProperty("group").GetProperty("groupId").GetString(), body.GetProperty("group").GetProperty("groupId").GetString());
        }
        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("scans").GetInt64());
        Assert.Equal(1, funnel.GetProperty("leads").GetInt64());

        // The same scan id from another shopper is another scan.
        await (await shopper.Scan(code, "p2", scanId: "scan-42")).Json(HttpStatusCode.OK);
        Assert.Equal(2, (await hq.Funnel("s1")).GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task Scan_ReturningShopper_KeepsSeatAndIsNotNew()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        var shopper = app.Hq(); // staff see whether a lead is new (an anonymous scan does not say)

        var first = await (await shopper.Scan(await hq.CreateCode("s1"), "p1")).Json(HttpStatusCode.OK);
        var again = await (await shopper.Scan(await hq.CreateCode("s1", channel: "poster"), "p1")).Json(HttpStatusCode.OK);
        var elsewhere = await (await shopper.Scan(await hq.CreateCode("s2"), "p1")).Json(HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("leadId").GetString(), again.GetProperty("leadId").GetString());
        Assert.False(again.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
        Assert.False(again.GetProperty("detail").GetProperty("isNewAtStore").GetBoolean());
        Assert.Equal("mass-1", again.GetProperty("group").GetProperty("groupId").GetString());
        Assert.False(elsewhere.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
        Assert.True(elsewhere.GetProperty("detail").GetProperty("isNewAtStore").GetBoolean());
        Assert.Equal(1, (await hq.Funnel("s1")).GetProperty("leads").GetInt64());
        Assert.Equal(2, (await hq.Funnel("s1")).GetProperty("scans").GetInt64());
        Assert.Equal(1, (await hq.Funnel("s2")).GetProperty("leads").GetInt64());
    }

    [Fact]
    public async Task Scan_EveryGroupFull_Answers409KeepsTheLeadAndSeatsItOnceThereIsRoom()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1", capacity: 2, maxGroups: 1);
        var code = await hq.CreateCode("s1");
        var shopper = app.Hq(); // staff see whether a lead is new (an anonymous scan does not say)
        await (await shopper.Scan(code, "p1")).Json(HttpStatusCode.OK);
        await (await shopper.Scan(code, "p2")).Json(HttpStatusCode.OK);

        var full = await (await shopper.Scan(code, "p3")).Problem(HttpStatusCode.Conflict);

        Assert.Contains("full", full.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(32, full.GetProperty("leadId").GetString()!.Length);
        var funnel = await hq.Funnel("s1");
        Assert.Equal(3, funnel.GetProperty("leads").GetInt64());
        Assert.Equal(2, funnel.GetProperty("joined").GetInt64());

        await hq.CreateStore("s1", capacity: 2, maxGroups: 2);
        var seated = await (await shopper.Scan(code, "p3")).Json(HttpStatusCode.OK);

        Assert.Equal("mass-2", seated.GetProperty("group").GetProperty("groupId").GetString());
        Assert.False(seated.GetProperty("detail").GetProperty("isNewAtStore").GetBoolean());
        Assert.Equal(3, (await hq.Funnel("s1")).GetProperty("joined").GetInt64());
    }

    [Fact]
    public async Task Scan_StorageRequests_NewIsThreeOfTheAppsOwnPlusTheEnginesStart_ReturningIsOneTransactionPlusOneEvent()
    {
        // No worker here: the journeys' own steps (which also write through the app's tables) would run meanwhile.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var shopper = app.Anonymous();
        await (await shopper.Scan(code, "warm-up")).Json(HttpStatusCode.OK); // loads the store lane's cache
        var counter = app.Services.GetRequiredService<Funnel.App.Storage.StorageRequestCounter>();
        var engine = app.Services.GetRequiredService<Funnel.App.Journeys.JourneyEngine>().StorageRequests;
        (long App, long Engine) Count() => (counter.Requests, engine.Requests);

        // New: member read (not found), lead index insert, one transaction (seat, counter, member). The journey's
        // start goes through the engine's client: the instance's status read, the start message, the instance row.
        var before = Count();
        await (await shopper.Scan(code, "new-shopper")).Json(HttpStatusCode.OK);
        var newShopper = (Count().App - before.App, Count().Engine - before.Engine);
        // Returning, to the shopper's page: the membership the lane wrote is known (no read), the scan's transaction,
        // and the scan raised to the journey (one control-queue message); no stage read (the page is not told it).
        before = Count();
        await (await shopper.Scan(code, "new-shopper")).Json(HttpStatusCode.OK);
        var returning = (Count().App - before.App, Count().Engine - before.Engine);

        Assert.Equal((3L, 3L), newShopper);
        Assert.Equal((1L, 1L), returning);
    }
}
