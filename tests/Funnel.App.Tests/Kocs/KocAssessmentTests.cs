using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Kocs;

/// <summary>
/// The month-end assessment, on the durable engine: the store's instance starts with its first KOC, waits for the
/// store-local month to end (by the app's clock), then raises, keeps or lowers each KOC's quota by HQ's thresholds, once,
/// and records why. A KOC's recruits' questions answered in time make its service rate.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class KocAssessmentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AtMonthEnd_TheEngineRaisesKeepsOrLowersEachQuota_ByHqsThresholds_AndRecordsWhy()
    {
        // The engine looks at the app's (test) clock every second, not every 6 days.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:LookSeconds"] = "1" });
        var hq = app.Hq();
        await hq.CreateStore("s1"); // UTC
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync("/api/programme/kocs", new
        {
            raiseMinRecruited = 2, raiseMinConversionRate = 0.5, raiseMinServiceRate = 0.9, raiseMaxComplaintRate = 1.0,
            lowerBelowConversionRate = 0.1, raiseBy = 2.5, lowerBy = 0.5, minQuota = 2, maxQuota = 1000,
        })).Json(HttpStatusCode.OK);
        var clerkCode = await hq.CreateCode("s1", "c1");
        var clerk = app.As(Funnel.App.Auth.Roles.Clerk, "s1", "c1");
        var (good, bad, quiet) = (await app.Anonymous().ScanLead(clerkCode, "13700000001"), await app.Anonymous().ScanLead(clerkCode, "13700000002"),
            await app.Anonymous().ScanLead(clerkCode, "13700000003"));
        var codes = new Dictionary<string, string>();
        foreach (var koc in new[] { good, bad, quiet })
        {
            var promoted = await (await hq.PutAsJsonAsync($"/api/stores/s1/kocs/{koc}", new { quota = 4, clerkId = "c1" })).Json(HttpStatusCode.OK);
            codes[koc] = promoted.GetProperty("code").GetProperty("code").GetString()!;
        }

        // November (the test clock starts on the 23rd): the good KOC's two recruits buy and one's question is answered in
        // time; the bad KOC's two buy nothing; the quiet one recruits nobody.
        var (r1, shopper) = await app.ShopperScan(codes[good], "13700000011");
        await app.Anonymous().ScanLead(codes[good], "13700000012");
        await app.Anonymous().ScanLead(codes[bad], "13700000021");
        await app.Anonymous().ScanLead(codes[bad], "13700000022");
        Assert.Equal("applied", await shopper.Apply(r1, "question-asked", new { questionId = "q1" }, storeId: "s1"));
        Assert.Equal("applied", await clerk.Apply(r1, "question-answered", new { questionId = "q1" }, storeId: "s1"));
        var at = app.Time.GetUtcNow();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "13700000011", 10m, at))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "s1", "13700000012", 10m, at))).Ok();

        app.Time.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 5, TimeSpan.Zero));
        Dictionary<string, JsonElement> cards = [];
        Assert.True(await Eventually.Holds(async () =>
        {
            cards = (await (await hq.GetAsync("/api/kocs?storeId=s1&month=2026-11")).Json(HttpStatusCode.OK)).GetProperty("kocs").EnumerateArray()
                .ToDictionary(k => k.GetProperty("leadId").GetString()!);
            return cards.Values.All(c => c.TryGetProperty("assessment", out var a) && a.ValueKind == JsonValueKind.Object);
        }, TimeSpan.FromSeconds(20)), await EngineInstanceAsync(app));

        AssertDecision(cards[good], "Raise", 4, 10, "service rate 1");
        AssertDecision(cards[bad], "Lower", 4, 2, "conversion rate 0 below 0.1");
        AssertDecision(cards[quiet], "Keep", 4, 4, "0 recruited (at least 2 to be raised)");
        Assert.Equal((1L, 0L), (cards[good].GetProperty("questionsInTime").GetInt64(), cards[good].GetProperty("questionsLate").GetInt64()));

        // Once: the engine goes on to December's end, and November's quotas stay as decided.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var december = (await (await hq.GetAsync("/api/kocs?storeId=s1")).Json(HttpStatusCode.OK));
        Assert.Equal("2026-12", december.GetProperty("month").GetString());
        Assert.Equal([2, 4, 10], december.GetProperty("kocs").EnumerateArray().Select(k => k.GetProperty("quota").GetInt32()).Order());
    }

    private static async Task<string> EngineInstanceAsync(FunnelAppFactory app)
    {
        var engine = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Funnel.App.Journeys.JourneyEngine>(app.Services);
        var state = await engine.Client.GetOrchestrationStateAsync("kocs:s1");
        return state is null ? "no instance" : $"{state.OrchestrationStatus} {state.Input} {state.Output}";
    }

    private static void AssertDecision(JsonElement card, string verdict, int before, int after, string reason)
    {
        var a = card.GetProperty("assessment");
        Assert.Equal((verdict, before, after), (a.GetProperty("verdict").GetString(), a.GetProperty("quotaBefore").GetInt32(), a.GetProperty("quotaAfter").GetInt32()));
        Assert.Contains(a.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(after, card.GetProperty("quota").GetInt32());
    }
}
