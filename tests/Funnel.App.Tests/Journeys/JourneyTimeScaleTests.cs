using System.Net;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// A whole journey on the real path — the engine's durable timers and events, the local runner, purchases through the
/// queue — with the app's clock running four hours a second (Journeys:TimeScale = 14400).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyTimeScaleTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ScanTrialQnaPurchase_RunsOnTheQueuesInCompressedTime()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Journeys:TimeScale"] = "14400",
            ["Journeys:LogOutboundMessages"] = "false", // leave them on the queue for the test to read
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "100",
            ["Funnel:ShopperSessionMinutes"] = "10080", // a week of app time (42 s here): the shopper's session outlives the test's days
        }, fakeClock: false);
        var hq = app.Hq();
        // No quiet hours and no daily cap, so every message goes out when its step happens, whatever the real time. The
        // no-show check five days after the slot (30 s of real time), not one (6 s), so that a loaded machine completes
        // the trial before it: this test is about the path, not about that timer (JourneyOrchestrationTests has it).
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "s1", region = "east", journey = new { quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20, answerDeadlineHours = 48, noShowAfterHours = 120 } }))
            .Json(HttpStatusCode.OK);
        await hq.CreateClerk("s1", "c1");
        var code = await hq.CreateCode("s1", "c1");
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var clerk = app.As(Roles.Clerk, "s1", "c1");

        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");

        // A day later (six seconds of real time) the first awareness content has gone out on a durable timer.
        await hq.HistoryHolds(leadId, h => h.Contains("awareness content 1"));

        var slot = clock.GetUtcNow().AddDays(1);
        Assert.Equal("applied", await shopper.Apply(leadId, "trial-booked", new { slot }));
        await hq.HistoryHolds(leadId, h => h.Contains("trial reminder"));

        // Well before the no-show check.
        Assert.Equal("applied", await clerk.Apply(leadId, "trial-completed"));
        Assert.Equal("applied", await shopper.Apply(leadId, "question-asked", new { questionId = "q1" }));
        Assert.Equal("applied", await clerk.Apply(leadId, "question-answered", new { questionId = "q1" }));

        var pos = app.As(Roles.Pos, "s1");
        var purchase = new { purchaseId = "p1", storeId = "s1", shopperId = "shopper-1", amount = 199m, currency = "CNY", items = new[] { new { sku = "A", qty = 1, price = 199m } }, purchasedAt = clock.GetUtcNow() };
        (await pos.PostAsJsonAsync("/api/purchases", purchase)).EnsureSuccessStatusCode();
        await hq.HistoryHolds(leadId, h => h.Contains("purchased"));

        var history = await hq.History(leadId);
        Assert.Equal(
            ["journey started", "awareness content 1", "trial booked", "trial reminder", "trial completed", "question q1 asked", "question q1 answered in time", "purchased"],
            history.Where(h => !h.StartsWith("seated", StringComparison.Ordinal)));
        await app.OutboundIs("welcome", "awareness-content-1", "trial-reminder"); // each once, in order
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1, 1, 1, 1), (funnel.GetProperty("trialBooked").GetInt64(), funnel.GetProperty("trialCompleted").GetInt64(),
            funnel.GetProperty("questions").GetInt64(), funnel.GetProperty("purchases").GetInt64()));
        Assert.Equal(1.0, Assert.Single(funnel.GetProperty("byClerk").EnumerateArray()).GetProperty("serviceRate").GetDouble());
    }
}
