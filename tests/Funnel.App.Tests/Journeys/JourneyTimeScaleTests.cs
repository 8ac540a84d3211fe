using System.Net;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// A whole journey on the real path — wake-ups on the journey-timers queue, the local runner, purchases through the
/// queue — with the app's clock running a day per second (Journeys:TimeScale = 86400).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyTimeScaleTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ScanTrialQnaPurchase_RunsOnTheQueuesInCompressedTime()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Journeys:TimeScale"] = "86400",
            ["Journeys:LogOutboundMessages"] = "false", // leave them on the queue for the test to read
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "100",
        }, fakeClock: false);
        var hq = app.Hq();
        // No quiet hours and no daily cap, so every message goes out when its step happens, whatever the real time.
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "s1", region = "east", journey = new { quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20 } }))
            .Json(HttpStatusCode.OK);
        await hq.CreateClerk("s1", "c1");
        var code = await hq.CreateCode("s1", "c1");
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var shopper = app.Anonymous();
        var clerk = app.As(Roles.Clerk, "s1", "c1");

        var leadId = await shopper.ScanLead(code, "shopper-1");

        // A day later (a second of real time) the first awareness content has gone out through a wake-up.
        Assert.True(await Eventually.Holds(async () => (await hq.History(leadId)).Contains("awareness content 1"), TimeSpan.FromSeconds(20)),
            string.Join(" / ", await hq.History(leadId)));

        var slot = clock.GetUtcNow().AddDays(1);
        await (await shopper.Event(leadId, "trial-booked", new { slot })).Json(HttpStatusCode.Accepted);
        Assert.True(await Eventually.Holds(async () => (await hq.History(leadId)).Contains("trial reminder"), TimeSpan.FromSeconds(20)),
            string.Join(" / ", await hq.History(leadId)));

        await (await clerk.Event(leadId, "trial-completed")).Json(HttpStatusCode.Accepted);
        await (await shopper.Event(leadId, "question-asked", new { questionId = "q1" })).Json(HttpStatusCode.Accepted);
        await (await clerk.Event(leadId, "question-answered", new { questionId = "q1" })).Json(HttpStatusCode.Accepted);

        var pos = app.As(Roles.Pos, "s1");
        var purchase = new { purchaseId = "p1", storeId = "s1", shopperId = "shopper-1", amount = 199m, currency = "CNY", items = new[] { new { sku = "A", qty = 1, price = 199m } }, purchasedAt = clock.GetUtcNow() };
        (await pos.PostAsJsonAsync("/api/purchases", purchase)).EnsureSuccessStatusCode();
        Assert.True(await Eventually.Holds(async () => (await hq.Lead(leadId)).GetProperty("stage").GetString() == "converted", TimeSpan.FromSeconds(20)));

        var history = await hq.History(leadId);
        Assert.Equal(
            ["journey started", "awareness content 1", "trial booked", "trial reminder", "trial completed", "question q1 asked", "question q1 answered in time", "purchased"],
            history.Where(h => !h.StartsWith("seated", StringComparison.Ordinal)));
        Assert.Equal(["welcome", "awareness-content-1", "trial-reminder"], await app.Outbound()); // each once, in order
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1, 1, 1, 1), (funnel.GetProperty("trialBooked").GetInt64(), funnel.GetProperty("trialCompleted").GetInt64(),
            funnel.GetProperty("questions").GetInt64(), funnel.GetProperty("purchases").GetInt64()));
        Assert.Equal(1.0, Assert.Single(funnel.GetProperty("byClerk").EnumerateArray()).GetProperty("serviceRate").GetDouble());
    }
}
