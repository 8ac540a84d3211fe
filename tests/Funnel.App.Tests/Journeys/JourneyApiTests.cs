using System.Net;
using Azure.Data.Tables;
using Funnel.App.Auth;
using Funnel.App.Lanes;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;
using Funnel.Core.Journeys;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// Journeys through the API on Azurite, with the app's clock in the test's hand (FakeTimeProvider) and the local
/// runner off: timers fire when the test runs the sweep, so every step is deterministic.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyApiTests(AzuriteFixture azurite)
{
    private async Task<(FunnelAppFactory App, HttpClient Hq, string Code)> Store()
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:SweepGraceSeconds"] = "60" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        return (app, hq, await hq.CreateCode("s1", "c1"));
    }

    [Fact]
    public async Task FirstScan_StartsTheJourney_SendsTheWelcome_AndIndexesTheNextTimer()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;

        var scan = await (await app.Anonymous().Scan(code, "shopper-1")).Json(HttpStatusCode.OK);
        var leadId = scan.GetProperty("leadId").GetString()!;

        Assert.Equal("awareness", scan.GetProperty("stage").GetString());
        var lead = await hq.Lead(leadId);
        Assert.Equal("awareness", lead.GetProperty("stage").GetString());
        Assert.Equal(app.Time.GetUtcNow().AddDays(1), lead.GetProperty("nextTimerAt").GetDateTimeOffset());
        Assert.Contains("journey started", await hq.History(leadId));
        Assert.Equal(["welcome"], await app.Outbound());
        // The due index holds the next timer (the sweep's safety net); the outbox row went with the lane's clean-up.
        Assert.True(await Eventually.Holds(async () =>
        {
            var rows = await app.Table("stores").QueryAsync<TableEntity>(e => e.PartitionKey == "s1").ToListAsync();
            return rows.Count(r => r.RowKey.StartsWith("due|", StringComparison.Ordinal)) == 1 && rows.Any(r => r.RowKey.EndsWith("|t|" + leadId, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TrialQuestionsAndAnswers_MoveTheStage_FillTheTaskList_AndTheFunnel()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var shopper = app.Anonymous();
        var clerk = app.As(Roles.Clerk, "s1", "c1");
        var leadId = await shopper.ScanLead(code, "shopper-1");
        var now = app.Time.GetUtcNow();

        var booked = await (await shopper.Event(leadId, "trial-booked", new { slot = now.AddDays(2) })).Json(HttpStatusCode.Accepted);
        Assert.Equal("guided-trial", booked.GetProperty("stage").GetString());
        var groups = await hq.Groups("s1");
        Assert.Contains(groups.EnumerateArray(), g => g.GetProperty("tier").GetString() == "small" && g.GetProperty("members").GetInt32() == 1);

        // Completing a trial is staff work.
        await (await shopper.Event(leadId, "trial-completed")).Problem(HttpStatusCode.Unauthorized);
        Assert.Equal("qna", (await (await clerk.Event(leadId, "trial-completed")).Json(HttpStatusCode.Accepted)).GetProperty("stage").GetString());

        await (await shopper.Event(leadId, "question-asked", new { questionId = "q1" })).Json(HttpStatusCode.Accepted);
        var task = Assert.Single((await clerk.Tasks("s1")).EnumerateArray());
        Assert.Equal(("answer-question", "q1", "c1"), (task.GetProperty("kind").GetString(), task.GetProperty("ref").GetString(), task.GetProperty("clerkId").GetString()));
        Assert.Equal(now.AddHours(4), task.GetProperty("dueAt").GetDateTimeOffset());

        app.Time.Advance(TimeSpan.FromHours(1));
        await (await clerk.Event(leadId, "question-answered", new { questionId = "q1" })).Json(HttpStatusCode.Accepted);

        Assert.Empty((await clerk.Tasks("s1")).EnumerateArray());
        var funnel = await hq.Funnel("s1");
        Assert.Equal((1, 1, 1), (funnel.GetProperty("trialBooked").GetInt64(), funnel.GetProperty("trialCompleted").GetInt64(), funnel.GetProperty("questions").GetInt64()));
        var byClerk = Assert.Single(funnel.GetProperty("byClerk").EnumerateArray());
        Assert.Equal(1.0, byClerk.GetProperty("serviceRate").GetDouble());
        Assert.Equal(0.0, byClerk.GetProperty("complaintRate").GetDouble());
        var lead = await hq.Lead(leadId);
        Assert.Contains(lead.GetProperty("groups").EnumerateArray(), g => g.GetProperty("tier").GetString() == "small");
        Assert.Contains("question q1 answered in time", await hq.History(leadId));
    }

    [Fact]
    public async Task Sweep_FiresOnlyWhatIsDue_AndAStaleTimerDoesNothing()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = await app.Anonymous().ScanLead(code, "shopper-1");

        var early = await app.Sweep();
        await app.OutboxesSettled("s1");
        app.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(2));
        var due = await app.Sweep();
        var again = await app.Sweep();

        Assert.Contains("0 due rows", early.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("1 due rows, 1 journeys read, 1 timers fired", due.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("0 due rows", again.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("awareness content 1", await hq.History(leadId));
        Assert.Equal(["welcome", "awareness-content-1"], await app.Outbound());
        var timers = (await hq.Lead(leadId)).GetProperty("stores")[0].GetProperty("journey").GetProperty("timers").EnumerateArray()
            .Select(t => t.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["awareness-content", "trial-follow-up", "dormancy"], timers);
    }

    [Fact]
    public async Task BreachedAnswerDeadline_EscalatesToTheStore_AndCountsAgainstTheServiceRate()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = await app.Anonymous().ScanLead(code, "shopper-1");
        await (await app.Anonymous().Event(leadId, "question-asked", new { questionId = "q9" })).Json(HttpStatusCode.Accepted);
        await app.OutboxesSettled("s1");

        app.Time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(2));
        await app.Sweep();

        var escalation = Assert.Single((await hq.Tasks("s1", "-")).EnumerateArray());
        Assert.Equal(("escalation", "q9"), (escalation.GetProperty("kind").GetString(), escalation.GetProperty("ref").GetString()));
        var byClerk = Assert.Single((await hq.Funnel("s1")).GetProperty("byClerk").EnumerateArray());
        Assert.Equal(0.0, byClerk.GetProperty("serviceRate").GetDouble());

        await (await app.As(Roles.Clerk, "s1", "c1").Event(leadId, "question-answered", new { questionId = "q9" })).Json(HttpStatusCode.Accepted);
        Assert.Empty((await hq.Tasks("s1")).EnumerateArray());
        Assert.Equal(0.0, Assert.Single((await hq.Funnel("s1")).GetProperty("byClerk").EnumerateArray()).GetProperty("serviceRate").GetDouble());
    }

    [Fact]
    public async Task SameEventIdTwice_IsAppliedOnce()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = await app.Anonymous().ScanLead(code, "shopper-1");

        var first = await (await app.Anonymous().Event(leadId, "complaint", eventId: "e-1")).Json(HttpStatusCode.Accepted);
        var second = await (await app.Anonymous().Event(leadId, "complaint", eventId: "e-1")).Json(HttpStatusCode.Accepted);

        Assert.True(first.GetProperty("applied").GetBoolean());
        Assert.False(first.GetProperty("duplicate").GetBoolean());
        Assert.False(second.GetProperty("applied").GetBoolean());
        Assert.True(second.GetProperty("duplicate").GetBoolean()); // told apart from an event the stage ignores
        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("complaints").GetInt64());
        Assert.Equal(1.0, funnel.GetProperty("complaintRate").GetDouble());
    }

    [Fact]
    public async Task Purchase_ConvertsTheJourney_AndOptOutAfterwardsSendsNothing()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = await app.Anonymous().ScanLead(code, "shopper-1");

        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "shopper-1", at: app.Time.GetUtcNow()))).Ok();

        var lead = await hq.Lead(leadId);
        Assert.Equal("converted", lead.GetProperty("stage").GetString());
        Assert.Equal(JsonValueKindNull, lead.TryGetProperty("nextTimerAt", out var next) ? next.ValueKind : JsonValueKindNull);
        // A redelivery of the purchase does not convert twice (the event id).
        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "shopper-1", at: app.Time.GetUtcNow()))).Ok();
        Assert.Single(await hq.History(leadId), h => h == "purchased");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task BadEvents_AreProblems_AndChangeNothing()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = await app.Anonymous().ScanLead(code, "shopper-1");
        var shopper = app.Anonymous();

        var unknown = await (await shopper.Event(leadId, "teleported")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("trial-booked", unknown.GetProperty("detail").GetString() + unknown.GetRawText(), StringComparison.Ordinal);
        await (await shopper.Event(leadId, "trial-booked")).Problem(HttpStatusCode.BadRequest); // no slot
        await (await shopper.Event(leadId, "trial-booked", new { slot = app.Time.GetUtcNow().AddDays(-1) })).Problem(HttpStatusCode.BadRequest);
        await (await shopper.Event(leadId, "question-asked")).Problem(HttpStatusCode.BadRequest); // no question id
        await (await shopper.Event("not-a-lead", "complaint")).Problem(HttpStatusCode.BadRequest);
        await (await shopper.Event(new string('a', 32), "complaint")).Problem(HttpStatusCode.NotFound);
        await (await app.As(Roles.Clerk, "s2", "c9").Event(leadId, "complaint", storeId: "s1")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/tasks?clerkId=c2")).Problem(HttpStatusCode.Forbidden);

        Assert.Equal(["journey started"], await hq.History(leadId));
        Assert.Equal(0, (await hq.Funnel("s1")).GetProperty("complaints").GetInt64());
    }

    /// <summary>
    /// The crash the outbox exists for: the state and its outbox are written, the app dies before it sends. Nothing
    /// is lost: the sweep finds the outbox (it is a "due|" row) once the grace period passes, sends it, deletes it.
    /// </summary>
    [Fact]
    public async Task CrashBetweenStateWriteAndDispatch_TheSweepSendsTheOutboxOnce()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var leadId = new string('b', 32);
        var lanes = app.Services.GetRequiredService<StoreLanes>();

        // The lane commits a journey start; the dispatch that would follow never happens.
        var commit = await lanes.CommitJourneyAsync("s1", leadId, [new Scanned(app.Time.GetUtcNow(), "c1")], null, default);
        Assert.NotNull(commit.Outbox);
        Assert.Empty(await app.Outbound());

        var tooEarly = await app.Sweep();
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var swept = await app.Sweep();
        var again = await app.Sweep();

        Assert.Contains("0 outboxes resent", tooEarly.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("1 outboxes resent", swept.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("0 outboxes resent", again.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["welcome"], await app.Outbound());
        var rows = await app.Table("stores").QueryAsync<TableEntity>(e => e.PartitionKey == "s1").ToListAsync();
        Assert.DoesNotContain(rows, r => r.RowKey.Contains("|o|", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.RowKey == "journey|" + leadId);
    }
}
