using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// Exactly once through a crash: the app process is killed (SIGKILL, no graceful stop) while journey steps commit and
/// while journeys wait on timers, then started again on the same storage. Every effect happens once, and the store's
/// counters equal a recount from the journeys themselves.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyCrashTests(AzuriteFixture azurite)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "Funnel.App.dll");

    [Fact]
    public async Task EventsInFlight_AppKilledWhileStepsCommit_EveryEffectHappensOnce()
    {
        const int PerStore = 60;
        string[] stores = ["s1", "s2"];
        // An Azurite of its own: the shared one holds every earlier test's data by now and answers slower and slower (it
        // scans in memory), and the engine's recovery after the kill (leases, out-of-order completions put back with a
        // doubling backoff) then ran past the test's five minutes in the full run (alone: 18 s).
        await using var storage = await Funnel.Testing.AzuriteServer.StartAsync();
        await using var names = new FunnelAppFactory(storage.ConnectionString); // names and tables only: never started
        var settings = Settings(names, scale: null);

        var leads = new List<(string Store, string Lead)>();
        await using (var first = await AppProcess.StartAsync(Dll, settings, Log))
        {
            var hq = Client(first, Roles.Hq);
            foreach (var store in stores) leads.AddRange(await SetUpAsync(hq, store, PerStore));
            // Three events a lead, all accepted (durably queued) before the crash.
            await Parallel.ForEachAsync(leads, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (l, ct) =>
            {
                await (await hq.Event(l.Lead, "trial-booked", new { slot = DateTimeOffset.UtcNow.AddDays(3) }, "tb-" + l.Lead, l.Store)).Json(HttpStatusCode.Accepted);
                await (await hq.Event(l.Lead, "question-asked", new { questionId = "q1" }, "qa-" + l.Lead, l.Store)).Json(HttpStatusCode.Accepted);
                await (await hq.Event(l.Lead, "complaint", null, "co-" + l.Lead, l.Store)).Json(HttpStatusCode.Accepted);
            });
            Assert.True(await Eventually.Holds(async () => await Counted(hq, stores, "trialBooked") >= 20, TimeSpan.FromMinutes(2)), "No journey step committed within 2 minutes.");
            await first.KillAsync();
        }
        await using (var second = await AppProcess.StartAsync(Dll, settings, Log))
        {
            var hqAfter = Client(second, Roles.Hq);
            var expected = leads.Count;
            // Five minutes, not three: a step's completion that the crash left ahead of its scheduling in the history is
            // put back by the engine with a backoff that doubles each time (2, 4, 8 … s: DurableTask.AzureStorage's
            // out-of-order handling), so on a loaded machine the last journey can legitimately take minutes.
            Assert.True(await Eventually.Holds(async () =>
                await Counted(hqAfter, stores, "trialBooked") == expected && await Counted(hqAfter, stores, "questions") == expected && await Counted(hqAfter, stores, "complaints") == expected,
                TimeSpan.FromMinutes(5)), $"The journeys did not finish their steps within 5 minutes of the restart: {await Counted(hqAfter, stores, "trialBooked")} trials, " +
                $"{await Counted(hqAfter, stores, "questions")} questions, {await Counted(hqAfter, stores, "complaints")} complaints of {expected} each. " +
                await Unfinished(hqAfter, names, stores));
            await Task.Delay(2000); // anything still repeating would show now

            foreach (var store in stores)
            {
                var funnel = await hqAfter.Funnel(store);
                var rows = await Rows(names, store);
                var journeys = rows.Where(r => r.RowKey.StartsWith("journey|", StringComparison.Ordinal)).Select(r => JsonDocument.Parse(r.GetString("State")!).RootElement).ToList();
                int Recount(string line) => journeys.Count(j => j.GetProperty("history").EnumerateArray().Count(h => h.GetProperty("what").GetString() == line) == 1);
                Assert.Equal(PerStore, journeys.Count);
                Assert.Equal(PerStore, funnel.GetProperty("trialBooked").GetInt64());
                Assert.Equal(Recount("trial booked"), funnel.GetProperty("trialBooked").GetInt64());
                Assert.Equal(Recount("question q1 asked"), funnel.GetProperty("questions").GetInt64());
                Assert.Equal(Recount("complaint about the visit"), funnel.GetProperty("complaints").GetInt64());
                // One cohort seat and one answer task a lead: neither given twice.
                var seats = rows.Where(r => r.RowKey.StartsWith("group|small|", StringComparison.Ordinal)).Sum(r => r.GetInt32("Members") ?? 0);
                Assert.Equal(PerStore, seats);
                Assert.Equal(PerStore, rows.Count(r => r.RowKey.StartsWith("task|", StringComparison.Ordinal) && r.GetString("Kind") == "answer-question"));
            }
            // Every welcome went out, each under its one id (a repeat after the crash may be sent again, with the same id).
            var welcomes = (await Outbound(names)).Where(m => m.Template == "welcome").Select(m => m.MessageId).Distinct().Count();
            Assert.Equal(leads.Count, welcomes);
        }
    }

    [Fact]
    public async Task JourneysWaitingOnTimers_AppKilled_TheTimersFireOnceAfterTheRestart()
    {
        const int Leads = 30;
        await using var names = new FunnelAppFactory(azurite.Server.ConnectionString);
        // An hour a second from a fixed origin, so both processes read the same clock; content comes 6 app hours in.
        var settings = Settings(names, scale: 3600);
        settings["Journeys__TimeScaleOrigin"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        List<(string Store, string Lead)> leads;
        await using (var first = await AppProcess.StartAsync(Dll, settings, Log))
        {
            var hq = Client(first, Roles.Hq);
            leads = await SetUpAsync(hq, "s1", Leads, awarenessContentAfterDays: 0.25);
            Assert.True(await Eventually.Holds(async () => (await Rows(names, "s1")).Count(r => r.RowKey.StartsWith("journey|", StringComparison.Ordinal)) == Leads,
                TimeSpan.FromMinutes(1)), "The journeys did not start within a minute.");
            await first.KillAsync(); // every journey now waits on its durable timer, 6 s away
        }
        await Task.Delay(TimeSpan.FromSeconds(8)); // the timers come due while no app runs

        await using (var second = await AppProcess.StartAsync(Dll, settings, Log))
        {
            var hq = Client(second, Roles.Hq);
            Assert.True(await Eventually.Holds(async () =>
            {
                foreach (var (_, lead) in leads)
                {
                    if (!(await hq.History(lead)).Contains("awareness content 1")) return false;
                }
                return true;
            }, TimeSpan.FromMinutes(2)), "Not every overdue timer fired within 2 minutes of the restart.");
            await Task.Delay(2000);
            foreach (var (_, lead) in leads) Assert.Single(await hq.History(lead), h => h == "awareness content 1");
            var content = (await Outbound(names)).Where(m => m.Template == "awareness-content-1").Select(m => m.MessageId).ToList();
            Assert.Equal(Leads, content.Distinct().Count());
        }
    }

    /// <summary>The app processes' output, to a file when FUNNEL_TEST_APP_LOG names one (for a failure to be read).</summary>
    private static readonly Lock LogLock = new();

    private static void Log(string line)
    {
        if (Environment.GetEnvironmentVariable("FUNNEL_TEST_APP_LOG") is not { Length: > 0 } path) return;
        lock (LogLock) File.AppendAllText(path, line + Environment.NewLine);
    }

    private static Dictionary<string, string> Settings(FunnelAppFactory names, double? scale)
    {
        var settings = names.ProcessSettings(new Dictionary<string, string>
        {
            ["Funnel__PublicBaseUrl"] = "https://funnel.test",
            ["RateLimiting__PublicPermitsPerWindow"] = "100000",
            ["Triggers__LocalRunner"] = "false",
            ["Journeys__LogOutboundMessages"] = "false",
            ["Journeys__PartitionCount"] = "2",
            ["Journeys__MaxQueuePollingIntervalSeconds"] = "0.5",
        });
        if (scale is { } s) settings["Journeys__TimeScale"] = s.ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    private static HttpClient Client(AppProcess app, string role)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FunnelAppFactory.Token(role));
        return client;
    }

    /// <summary>A store without quiet hours or a message cap, a clerk, and <paramref name="count"/> shoppers scanned in.</summary>
    private static async Task<List<(string Store, string Lead)>> SetUpAsync(HttpClient hq, string storeId, int count, double? awarenessContentAfterDays = null)
    {
        var journey = new Dictionary<string, object> { ["quietFrom"] = "00:00", ["quietUntil"] = "00:00", ["maxMessagesPerDay"] = 20 };
        if (awarenessContentAfterDays is { } days) journey["awarenessContentAfterDays"] = new[] { days };
        await (await hq.PutAsJsonAsync($"/api/stores/{storeId}", new { name = storeId, region = "east", journey })).Json(HttpStatusCode.OK);
        await hq.CreateClerk(storeId, "c1");
        var code = await hq.CreateCode(storeId, "c1");
        var leads = new List<(string, string)>();
        for (var i = 0; i < count; i++) leads.Add((storeId, await hq.ScanLead(code, $"{storeId}-shopper-{i}")));
        return leads;
    }

    /// <summary>For a failure: the first journeys that lack a step, with what their engine says of their events.</summary>
    private static async Task<string> Unfinished(HttpClient hq, FunnelAppFactory names, string[] stores)
    {
        var lines = new List<string>();
        foreach (var store in stores)
        {
            foreach (var row in (await Rows(names, store)).Where(r => r.RowKey.StartsWith("journey|", StringComparison.Ordinal)))
            {
                var state = row.GetString("State")!;
                if (state.Contains("trial booked", StringComparison.Ordinal) && state.Contains("question q1 asked", StringComparison.Ordinal) && state.Contains("complaint about the visit", StringComparison.Ordinal)) continue;
                var lead = row.RowKey["journey|".Length..];
                var engine = await hq.GetAsync($"/api/leads/{lead}/stores/{store}/journey/history");
                lines.Add($"{store}/{lead}: {JsonDocument.Parse(state).RootElement.GetProperty("history")} engine: {await engine.Content.ReadAsStringAsync()}");
                if (lines.Count == 3) return string.Join(Environment.NewLine, lines);
            }
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static async Task<long> Counted(HttpClient hq, IEnumerable<string> stores, string metric)
    {
        long total = 0;
        foreach (var store in stores) total += (await hq.Funnel(store)).GetProperty(metric).GetInt64();
        return total;
    }

    private static async Task<List<TableEntity>> Rows(FunnelAppFactory names, string storeId) =>
        await names.Table("stores").QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {storeId}")).ToListAsync();

    /// <summary>Everything on outbound-messages (received, so this reads it once).</summary>
    private static async Task<List<(string MessageId, string Template)>> Outbound(FunnelAppFactory names)
    {
        var queue = names.Queue("outbound-messages");
        var all = new List<(string, string)>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0) return all;
            foreach (var m in batch)
            {
                var body = JsonDocument.Parse(m.Body.ToString()).RootElement;
                all.Add((body.GetProperty("messageId").GetString()!, body.GetProperty("template").GetString()!));
            }
        }
    }
}
