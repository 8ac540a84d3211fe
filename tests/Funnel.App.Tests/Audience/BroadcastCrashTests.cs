using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.WeCom;
using Funnel.Testing;

namespace Funnel.App.Tests.Audience;

/// <summary>
/// kill -9 in the middle of a broadcast, and a restart: the broadcast resumes from the engine's last checkpoint, every
/// targeted lead is accounted for and none gets its message twice. A message is claimed by its id before the channel
/// sends it and recorded after: every message not in flight at the kill is sent exactly once; one the channel had in
/// hand when the app died (WeCom holding it, or between the log line and its record) is reported unconfirmed, never
/// sent again (exactly once there needs the channel's own record: README, "Audience").
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class BroadcastCrashTests(AzuriteFixture azurite)
{
    private const int Leads = 24;

    [GeneratedRegex(@"Outbound message broadcast for store \S+, lead (\S+) \(")]
    private static partial Regex BroadcastLine();

    /// <summary>
    /// The store where it is daytime now: the process runs on the real clock, and a broadcast waits out the store's quiet
    /// hours (21:00-09:00), which in UTC would stop these tests every evening.
    /// </summary>
    private static async Task InDaytime(HttpClient hq)
    {
        var hour = DateTime.UtcNow.Hour;
        var offset = Enumerable.Range(-12, 27).First(o => (hour + o + 24) % 24 is >= 10 and <= 16);
        var zone = offset == 0 ? "UTC" : $"Etc/GMT{(offset > 0 ? "-" : "+")}{Math.Abs(offset)}"; // POSIX sign: Etc/GMT-8 is UTC+8
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "Store s1", region = "east", timeZone = zone })).Json(HttpStatusCode.OK);
    }

    private static Dictionary<string, string> Slowly(FunnelAppFactory setup, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>(more ?? new Dictionary<string, string>())
        {
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__VisibilityTimeoutSeconds"] = "3",
            ["Triggers__MaxPollingIntervalMs"] = "100",
            ["Broadcasts__BatchSize"] = "2",
            ["Broadcasts__Wave"] = "1",
            ["Logging__LogLevel__Funnel.Outbound"] = "Information",
        };
        return setup.ProcessSettings(settings);
    }

    [Fact]
    public async Task A_broadcast_killed_mid_run_and_restarted_logs_no_lead_twice_and_accounts_for_every_one()
    {
        await using var setup = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = setup.Hq();
        await hq.CreateStore("s1");
        await setup.Shoppers(await hq.CreateCode("s1"), Leads);
        await InDaytime(hq);
        await (await hq.PostAsJsonAsync("/api/segments", new { segmentId = "everyone", name = "Everyone" })).Json(HttpStatusCode.Created);
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "crash", segmentId = "everyone", text = "Back in stock at {store}" })).Json(HttpStatusCode.Accepted);

        var logged = new ConcurrentQueue<string>();
        void Read(string line)
        {
            if (BroadcastLine().Match(line) is { Success: true } m) logged.Enqueue(m.Groups[1].Value);
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "Funnel.App.dll");
        await using (var first = await AppProcess.StartAsync(dll, Slowly(setup), Read))
        {
            Assert.True(await Eventually.Holds(() => Task.FromResult(logged.Count >= 6), TimeSpan.FromSeconds(90)), "The broadcast did not start sending.");
            await first.KillAsync();
        }
        var atKill = logged.Count;
        Assert.InRange(atKill, 6, Leads - 1);

        await using (var second = await AppProcess.StartAsync(dll, Slowly(setup), Read))
        {
            var report = await hq.Finished("crash", TimeSpan.FromSeconds(120));
            var (targeted, sent, unconfirmed) = (report.GetProperty("targeted").GetInt32(), report.GetProperty("sent").GetInt32(), report.GetProperty("unconfirmed").GetInt32());
            Assert.True(targeted == Leads && sent + unconfirmed == Leads, report.ToString());
            // Only what the runner had in hand at the kill (16 at most) can be unconfirmed; the rest went once, after the restart too.
            Assert.InRange(unconfirmed, 0, 16);
        }
        // Nobody twice (log lines the killed process had not flushed are missing here, never doubled).
        Assert.Equal(logged.Count, logged.Distinct(StringComparer.Ordinal).Count());
        Assert.InRange(logged.Count, Leads - 16, Leads);
    }

    [Fact]
    public async Task A_broadcast_killed_while_wecom_holds_a_message_sends_no_lead_twice_and_reports_the_held_unconfirmed()
    {
        await using var standIn = await WeComStandIn.StartAsync();
        await using var setup = new FunnelAppFactory(azurite.Server.ConnectionString, settings: WeComDeliveryTests.Settings(standIn));
        for (var i = 0; i < Leads; i++) await WeComDeliveryTests.AddCustomerAsync(setup, $"wmBroadcast{i:D2}");
        var hq = setup.Hq();
        await InDaytime(hq);
        await (await hq.PostAsJsonAsync("/api/segments", new { segmentId = "everyone", name = "Everyone" })).Json(HttpStatusCode.Created);
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "crash", segmentId = "everyone", text = "Back in stock at {store}" })).Json(HttpStatusCode.Accepted);

        var process = Slowly(setup, new Dictionary<string, string>(standIn.AppSettings("__")) { ["WeCom__UnconfirmedAfterSeconds"] = "5", ["WeCom__DeliveryRetrySeconds"] = "1" });
        var dll = Path.Combine(AppContext.BaseDirectory, "Funnel.App.dll");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var first = await AppProcess.StartAsync(dll, process))
        {
            Assert.True(await Eventually.Holds(() => Task.FromResult(standIn.CustomerMessages.Count >= 6), TimeSpan.FromSeconds(90)), "The broadcast did not start sending.");
            standIn.HoldMessages = hold;
            await standIn.MessageHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await first.KillAsync();
        }
        standIn.HoldMessages = null;
        hold.SetResult();

        JsonReport report;
        await using (var second = await AppProcess.StartAsync(dll, process))
        {
            var answer = await hq.Finished("crash", TimeSpan.FromSeconds(120));
            report = new(answer.GetProperty("targeted").GetInt32(), answer.GetProperty("sent").GetInt32(), answer.GetProperty("unconfirmed").GetInt32());
        }
        var received = standIn.CustomerMessages.Select(m => m.GetProperty("external_userid")[0].GetString()!).ToList();
        Assert.Equal(received.Count, received.Distinct(StringComparer.Ordinal).Count()); // nobody twice
        Assert.Equal(Leads, report.Targeted);
        Assert.Equal(Leads, report.Sent + report.Unconfirmed); // nobody lost: sent, or in WeCom's hands at the kill
        Assert.True(report.Unconfirmed >= 1, $"The held message must be unconfirmed: {report}");
        Assert.InRange(received.Count, report.Sent, Leads); // every "sent" was received; an unconfirmed one may have been
    }

    private sealed record JsonReport(int Targeted, int Sent, int Unconfirmed);
}
