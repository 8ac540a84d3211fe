using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Funnel.App.Audience;
using Funnel.App.Journeys;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;
using Microsoft.Extensions.DependencyInjection;
using static Funnel.App.Auth.Roles;

namespace Funnel.App.Tests.Audience;

/// <summary>
/// The shopper's data rights: an export of everything held, and an erasure that leaves the lead nowhere (rows, engine
/// history) but the store's counters as they were, safe to repeat and finished after a crash half-way.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ErasureTests(AzuriteFixture azurite)
{
    private static readonly string[] AllTables = ["stores", "leads", "points", "identities", "deliveries", "kocs", "people", "broadcasts"];

    private static async Task<(FunnelAppFactory App, HttpClient Hq, string Lead, HttpClient Shopper, string Code)> ALeadWithAHistoryAsync(AzuriteFixture azurite)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: AudienceFixtures.Delivering());
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, perUnitAmount = 1m, expireAfterDays = 30 })).Json(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var code = await hq.CreateCode("s1", "c1");
        var (lead, shopper) = await app.ShopperScan(code, "13900000009");
        await app.Anonymous().ScanLead(await hq.CreateCode("s2"), "13900000009");
        await app.As(Clerk, "s1", "c1").Tag(lead, "vip");
        await shopper.Apply(lead, "trial-booked", new { slot = app.Time.GetUtcNow().AddDays(1) }, "book-1");
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13900000009", 50m, app.Time.GetUtcNow()))).Ok();
        await (await shopper.PutAsJsonAsync($"/api/leads/{lead}/consent", new { choice = "out", channel = "wecom", textVersion = "v1" })).Json(HttpStatusCode.OK);
        return (app, hq, lead, shopper, code);
    }

    /// <summary>Every row in the app's tables that holds the lead's id, in a key or a value.</summary>
    private static async Task<List<string>> RowsHolding(FunnelAppFactory app, string lead)
    {
        var found = new List<string>();
        foreach (var table in AllTables)
        {
            await foreach (var e in app.Table(table).QueryAsync<TableEntity>())
            {
                if (e.PartitionKey.Contains(lead, StringComparison.Ordinal) || e.RowKey.Contains(lead, StringComparison.Ordinal)
                    || e.Select(p => p.Value).OfType<string>().Any(v => v.Contains(lead, StringComparison.Ordinal)))
                {
                    found.Add($"{table}: {e.PartitionKey} / {e.RowKey}");
                }
            }
        }
        return found;
    }

    [Fact]
    public async Task An_export_holds_everything_and_an_erasure_leaves_the_lead_nowhere_but_the_counters_as_they_were()
    {
        var (app, hq, lead, shopper, code) = await ALeadWithAHistoryAsync(azurite);
        await using var _ = app;
        var export = await (await shopper.GetAsync($"/api/leads/{lead}/export")).Json(HttpStatusCode.OK);
        Assert.Equal(["s1", "s2"], export.GetProperty("memberships").EnumerateArray().Select(m => m.GetProperty("storeId").GetString()));
        Assert.Contains("vip", export.GetProperty("memberships")[0].GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("tag").GetString()));
        Assert.Equal(60, export.GetProperty("points").GetProperty("balance").GetInt64());
        Assert.Equal("wecom", export.GetProperty("consentHistory")[0].GetProperty("channel").GetString());
        Assert.Equal("p1", Assert.Single(export.GetProperty("purchases").EnumerateArray()).GetProperty("key").GetString()![("purchase|".Length)..]);
        Assert.NotEmpty(export.GetProperty("memberships")[0].GetProperty("engineHistory").GetProperty("events").EnumerateArray());
        var funnelBefore = (await hq.Funnel("s1")).ToString();
        Assert.NotEmpty(await RowsHolding(app, lead));

        Assert.Equal(HttpStatusCode.NoContent, (await shopper.DeleteAsync($"/api/leads/{lead}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await hq.DeleteAsync($"/api/leads/{lead}")).StatusCode); // again: nothing held, no error

        await (await hq.GetAsync($"/api/leads/{lead}")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync($"/api/leads/{lead}/export")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync($"/api/leads/{lead}/stores/s1/journey/history")).Problem(HttpStatusCode.NotFound);
        var engine = app.Services.GetRequiredService<JourneyEngine>();
        foreach (var instance in new[] { JourneyJson.InstanceId("s1", lead), JourneyJson.InstanceId("s2", lead), Funnel.App.Points.PointsExpiryOrchestration.InstanceId(lead) })
        {
            Assert.Null(await engine.Client.GetOrchestrationStateAsync(instance));
        }
        var hub = engine.TaskHubName;
        var history = new TableClient(app.ConnectionString, hub + "History");
        Assert.Empty(await history.QueryAsync<TableEntity>(e => e.PartitionKey == JourneyJson.InstanceId("s1", lead)).ToListAsync());
        Assert.Empty(await RowsHolding(app, lead));
        Assert.Equal(funnelBefore, (await hq.Funnel("s1")).ToString());
        var audit = await (await hq.GetAsync($"/api/audit?leadId={lead}")).Json(HttpStatusCode.OK);
        Assert.Contains("lead.erase", audit.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()));

        // The same person scans again: a new lead, with nothing of the old one.
        app.Time.Advance(TimeSpan.FromHours(1));
        var again = await app.Anonymous().ScanLead(code, "13900000009");
        var fresh = await hq.Lead(again);
        Assert.Equal(app.Time.GetUtcNow(), fresh.GetProperty("createdAt").GetDateTimeOffset());
        Assert.DoesNotContain("vip", fresh.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Single(fresh.GetProperty("stores").EnumerateArray());
    }

    [Fact]
    public async Task An_erasure_stopped_half_way_is_finished_by_the_sweeper_never_left_half_done()
    {
        var (app, hq, lead, _, _) = await ALeadWithAHistoryAsync(azurite);
        await using var __ = app;
        var erasure = app.Services.GetRequiredService<LeadErasure>();
        erasure.AfterStep = step => step == "stores" ? throw new TimeoutException("killed here") : Task.CompletedTask;

        await (await hq.DeleteAsync($"/api/leads/{lead}")).Problem(HttpStatusCode.ServiceUnavailable);
        Assert.NotEmpty(await RowsHolding(app, lead)); // half done: its points and index are still there
        await (await hq.GetAsync($"/api/leads/{lead}")).Problem(HttpStatusCode.NotFound); // but no store knows it any more

        erasure.AfterStep = null;
        Assert.Equal(1, await app.Services.GetRequiredService<ErasureSweeper>().ResumeAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Empty(await RowsHolding(app, lead));
        Assert.Empty(await app.Table("people").QueryAsync<TableEntity>(e => e.PartitionKey == PeopleStore.ErasingPartition).ToListAsync());
    }
}
