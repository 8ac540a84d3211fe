using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// Journeys through the API on Azurite and the real engine (the app's own task hub), with the app's clock in the
/// test's hand (FakeTimeProvider: events are stamped with it, and the engine's timers are a day or more away). Tests
/// that need a timer to fire run a scaled clock instead.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyApiTests(AzuriteFixture azurite)
{
    private async Task<(FunnelAppFactory App, HttpClient Hq, string Code)> Store(Dictionary<string, string?>? settings = null, bool fakeClock = true)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings, fakeClock: fakeClock);
        var hq = app.Hq();
        // No quiet hours and room for messages: what a test sees does not depend on the hour it runs at.
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "s1", region = "east", journey = new { quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20 } }))
            .Json(HttpStatusCode.OK);
        await hq.CreateClerk("s1", "c1");
        return (app, hq, await hq.CreateCode("s1", "c1"));
    }

    [Fact]
    public async Task FirstScan_StartsTheJourneyInTheEngine_SendsTheWelcome_AndSetsItsTimers()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;

        var scan = await (await app.Anonymous().Scan(code, "shopper-1")).Json(HttpStatusCode.OK);
        var leadId = scan.GetProperty("leadId").GetString()!;

        // The shopper gets a session, and nothing that tells whether the number was a customer's.
        Assert.False(string.IsNullOrEmpty(scan.GetProperty("session").GetString()));
        Assert.False(scan.TryGetProperty("detail", out _));
        await hq.JourneyAt(leadId);
        var lead = await hq.Lead(leadId);
        Assert.Equal("awareness", lead.GetProperty("stage").GetString());
        Assert.Equal(app.Time.GetUtcNow().AddDays(1), lead.GetProperty("nextTimerAt").GetDateTimeOffset());
        Assert.Equal(["journey started"], await hq.History(leadId));
        await app.OutboundIs("welcome");
        // The engine holds the instance: one per lead and store, running, waiting on its first durable timer.
        var engine = await hq.EngineHistory(leadId, "s1");
        Assert.Equal($"journey:s1:{leadId}", engine.GetProperty("instanceId").GetString());
        Assert.Equal("Running", engine.GetProperty("runtimeStatus").GetString());
        Assert.Equal("awareness", engine.GetProperty("journey").GetProperty("stage").GetString());
        var kinds = engine.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("ExecutionStarted", kinds);
        Assert.Contains("TaskScheduled", kinds);
        Assert.Contains("TimerCreated", kinds);
        var instances = await app.Table("funnelInstances").QueryAsync<TableEntity>(e => e.PartitionKey == $"journey:s1:{leadId}").ToListAsync();
        Assert.Single(instances);
    }

    [Fact]
    public async Task TrialQuestionsAndAnswers_MoveTheStage_FillTheTaskList_AndTheFunnel()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var clerk = app.As(Roles.Clerk, "s1", "c1");
        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");
        var now = app.Time.GetUtcNow();

        Assert.Equal("applied", await shopper.Apply(leadId, "trial-booked", new { slot = now.AddDays(2) }));
        Assert.Equal("guided-trial", (await hq.Lead(leadId)).GetProperty("stage").GetString());
        var groups = await hq.Groups("s1");
        Assert.Contains(groups.EnumerateArray(), g => g.GetProperty("tier").GetString() == "small" && g.GetProperty("members").GetInt32() == 1);

        // Completing a trial is staff work.
        await (await shopper.Event(leadId, "trial-completed")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal("applied", await clerk.Apply(leadId, "trial-completed"));
        Assert.Equal("qna", (await hq.Lead(leadId)).GetProperty("stage").GetString());

        Assert.Equal("applied", await shopper.Apply(leadId, "question-asked", new { questionId = "q1" }));
        var task = Assert.Single((await clerk.Tasks("s1")).EnumerateArray());
        Assert.Equal(("answer-question", "q1", "c1"), (task.GetProperty("kind").GetString(), task.GetProperty("ref").GetString(), task.GetProperty("clerkId").GetString()));
        Assert.Equal(now.AddHours(4), task.GetProperty("dueAt").GetDateTimeOffset());

        app.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("applied", await clerk.Apply(leadId, "question-answered", new { questionId = "q1" }));

        Assert.Empty((await clerk.Tasks("s1")).EnumerateArray());
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1, 1, 1), (funnel.GetProperty("trialBooked").GetInt64(), funnel.GetProperty("trialCompleted").GetInt64(), funnel.GetProperty("questions").GetInt64()));
        var byClerk = Assert.Single(funnel.GetProperty("byClerk").EnumerateArray());
        Assert.Equal(1.0, byClerk.GetProperty("serviceRate").GetDouble());
        Assert.Equal(0.0, byClerk.GetProperty("complaintRate").GetDouble());
        Assert.Contains("question q1 answered in time", await hq.History(leadId));
        Assert.True((await hq.EngineHistory(leadId, "s1")).GetProperty("events").GetArrayLength() >= 4);
    }

    /// <summary>A durable timer fires on the engine: the answer deadline passes (4 h in 4 s at an hour a second) and the question escalates.</summary>
    [Fact]
    public async Task BreachedAnswerDeadline_TheTimerFires_EscalatesToTheStore_AndCountsAgainstTheServiceRate()
    {
        var (app, hq, code) = await Store(new() { ["Journeys:TimeScale"] = "3600" }, fakeClock: false);
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");
        // At an hour a second the store's midnight comes every 24 s: the breach may be counted on the day before the
        // funnel is read, so the funnel reads two days.
        async Task<System.Text.Json.JsonElement> TwoDays() => await (await hq.GetAsync("/api/stores/s1/funnel?days=2")).Json(System.Net.HttpStatusCode.OK);
        Assert.Equal("applied", await shopper.Apply(leadId, "question-asked", new { questionId = "q9" }));

        Assert.True(await Eventually.Holds(async () => (await hq.Tasks("s1", "-")).GetArrayLength() == 1, TimeSpan.FromSeconds(30)), "No escalation within 30 s.");
        var escalation = Assert.Single((await hq.Tasks("s1", "-")).EnumerateArray());
        Assert.Equal(("escalation", "q9"), (escalation.GetProperty("kind").GetString(), escalation.GetProperty("ref").GetString()));
        Assert.Equal(0.0, Assert.Single((await TwoDays()).GetProperty("byClerk").EnumerateArray()).GetProperty("serviceRate").GetDouble());

        Assert.Equal("applied", await app.As(Roles.Clerk, "s1", "c1").Apply(leadId, "question-answered", new { questionId = "q9" }));
        Assert.Empty((await hq.Tasks("s1")).EnumerateArray());
        Assert.Equal(0.0, Assert.Single((await TwoDays()).GetProperty("byClerk").EnumerateArray()).GetProperty("serviceRate").GetDouble());
    }

    /// <summary>200 events at once to 200 journeys of one store: every one applies, the counters are exact, no cohort overfills.</summary>
    [Fact]
    public async Task ConcurrentEvents_ToTwoHundredJourneysOfOneStore_AllApplyWithExactCounters()
    {
        const int Leads = 200;
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leads = new (string Lead, HttpClient Shopper)[Leads];
        await Parallel.ForEachAsync(Enumerable.Range(0, Leads), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => leads[i] = await app.ShopperScan(code, $"shopper-{i}"));

        var slot = app.Time.GetUtcNow().AddDays(2);
        var accepted = await Task.WhenAll(leads.Select(async l =>
            await (await l.Shopper.Event(l.Lead, "trial-booked", new { slot }, eventId: "book-" + l.Lead)).Json(HttpStatusCode.Accepted)));

        Assert.Equal(Leads, accepted.Length);
        Assert.True(await Eventually.Holds(async () => (await hq.Funnel("s1")).GetProperty("trialBooked").GetInt64() >= Leads, TimeSpan.FromSeconds(90)),
            $"Not every booking applied within 90 s: {(await hq.Funnel("s1")).GetProperty("trialBooked").GetInt64()} of {Leads}.");
        await Task.Delay(1000); // a repeat would show now
        Assert.Equal(Leads, (await hq.Funnel("s1")).GetProperty("trialBooked").GetInt64());
        var cohorts = (await hq.Groups("s1")).EnumerateArray().Where(g => g.GetProperty("tier").GetString() == "small").ToList();
        Assert.Equal(Leads, cohorts.Sum(g => g.GetProperty("members").GetInt32()));
        Assert.All(cohorts, g => Assert.Equal(20, g.GetProperty("members").GetInt32())); // 10 full cohorts, none over
        var journeys = await app.Table("stores").QueryAsync<TableEntity>(e => e.PartitionKey == "s1" && e.RowKey.CompareTo("journey|") >= 0 && e.RowKey.CompareTo("journey|~") < 0).ToListAsync();
        Assert.Equal(Leads, journeys.Count(j => j.GetInt32("Version") == 2 && j.GetString("Stage") == "guided-trial"));
    }

    /// <summary>
    /// A guard for the race the engine's start check made (seen in the demo's log, rare here: this test did not
    /// reproduce it with the check on): an event raised as soon as the scan returned could reach a journey whose start
    /// message the worker had deferred, and be discarded. Every such event must apply.
    /// </summary>
    [Fact]
    public async Task EventRightAfterTheFirstScan_IsNeverLost()
    {
        const int Leads = 40;
        var (app, hq, code) = await Store();
        await using var owned = app;

        var accepted = await Task.WhenAll(Enumerable.Range(0, Leads).Select(async i =>
        {
            var (lead, shopper) = await app.ShopperScan(code, $"quick-{i}");
            return (shopper, await (await shopper.Event(lead, "complaint", eventId: "c-" + i)).Json(HttpStatusCode.Accepted));
        }));

        Assert.True(await Eventually.Holds(async () => (await hq.Funnel("s1")).GetProperty("complaints").GetInt64() == Leads, TimeSpan.FromSeconds(60)),
            $"{(await hq.Funnel("s1")).GetProperty("complaints").GetInt64()} of {Leads} complaints applied within 60 s.");
        Assert.All(await Task.WhenAll(accepted.Select(a => a.shopper.OutcomeOf(a.Item2))), outcome => Assert.Equal("applied", outcome));
    }

    [Fact]
    public async Task SameEventIdTwice_IsAppliedOnce_AndTheSecondIsADuplicate()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");

        var first = await (await shopper.Event(leadId, "complaint", eventId: "e-1")).Json(HttpStatusCode.Accepted);
        var second = await (await shopper.Event(leadId, "complaint", eventId: "e-1")).Json(HttpStatusCode.Accepted);

        Assert.Equal("e-1", first.GetProperty("eventId").GetString());
        Assert.Equal("e-1", second.GetProperty("eventId").GetString());
        // Both sends answered 202; the journey applied the id once and took the second as a duplicate (the latest outcome of an id is shown).
        var url = $"/api/leads/{leadId}/stores/s1/journey/events/e-1";
        Assert.True(await Eventually.Holds(async () => (await (await shopper.GetAsync(url)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString() == "duplicate",
            TimeSpan.FromSeconds(30)), "The second send was not recorded as a duplicate.");
        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("complaints").GetInt64());
        Assert.Equal(1.0, funnel.GetProperty("complaintRate").GetDouble());
        Assert.Single(await hq.History(leadId), h => h == "complaint about the visit");
    }

    [Fact]
    public async Task Purchase_ConvertsTheJourney_AndARedeliveryConvertsOnce()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");
        await hq.JourneyAt(leadId);

        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "shopper-1", at: app.Time.GetUtcNow()))).Ok();
        await hq.HistoryHolds(leadId, h => h.Contains("purchased"));

        var lead = await hq.Lead(leadId);
        Assert.Equal("converted", lead.GetProperty("stage").GetString());
        Assert.False(lead.TryGetProperty("nextTimerAt", out var next) && next.ValueKind != System.Text.Json.JsonValueKind.Null);
        // A redelivery of the purchase raises the same event id again: the journey converts once.
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "shopper-1", at: app.Time.GetUtcNow()))).Ok();
        Assert.Equal("ignored", await shopper.Apply(leadId, "content-opened")); // after the redelivery, in order
        Assert.Single(await hq.History(leadId), h => h == "purchased");
    }

    [Fact]
    public async Task BadEvents_AreProblems_AndNothingIsRaised()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "shopper-1");
        await hq.JourneyAt(leadId);

        var unknown = await (await shopper.Event(leadId, "teleported")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("trial-booked", unknown.GetProperty("detail").GetString() + unknown.GetRawText(), StringComparison.Ordinal);
        await (await shopper.Event(leadId, "trial-booked")).Problem(HttpStatusCode.BadRequest); // no slot
        await (await shopper.Event(leadId, "trial-booked", new { slot = app.Time.GetUtcNow().AddDays(-1) })).Problem(HttpStatusCode.BadRequest);
        await (await shopper.Event(leadId, "question-asked")).Problem(HttpStatusCode.BadRequest); // no question id
        await (await shopper.PostAsync($"/api/leads/{leadId}/events", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.BadRequest);
        await (await shopper.Event("not-a-lead", "complaint")).Problem(HttpStatusCode.BadRequest);
        await (await hq.Event(new string('a', 32), "complaint")).Problem(HttpStatusCode.NotFound);
        await (await hq.Event(leadId, "complaint", storeId: "s9")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Clerk, "s2", "c9").Event(leadId, "complaint", storeId: "s1")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/tasks?clerkId=c2")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s2", "c9").GetAsync($"/api/leads/{leadId}/stores/s1/journey/history")).Problem(HttpStatusCode.Forbidden);
        await (await hq.GetAsync($"/api/leads/{new string('a', 32)}/stores/s1/journey/history")).Problem(HttpStatusCode.NotFound);

        // Nothing reached the journey: one event raised now is the first the engine sees after the start.
        Assert.Equal("ignored", await hq.Apply(leadId, "question-answered", new { questionId = "never-asked" }, storeId: "s1"));
        var raised = (await hq.EngineHistory(leadId, "s1")).GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "EventRaised");
        Assert.Equal(1, raised);
        Assert.Equal(["journey started"], await hq.History(leadId));
        Assert.Equal(0, (await hq.Funnel("s1")).GetProperty("complaints").GetInt64());
    }
}
