using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.Testing;

namespace Funnel.App.Tests.WeCom;

/// <summary>
/// kill -9 between WeCom taking a message and the app recording it: the app process is killed while WeCom (the
/// stand-in) holds its answer to add_msg_template. The restarted app finds the message's marker still "sending" and
/// reports it unconfirmed: WeCom received it once, and it is on the lead's history and in the store's counts.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WeComDeliveryCrashTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AKillBetweenSendingAndRecording_SendsNothingTwice_AndReportsTheMessageUnconfirmed()
    {
        await using var standIn = await WeComStandIn.StartAsync();
        var settings = WeComDeliveryTests.Settings(standIn);
        await using var setup = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings);
        var leadId = await WeComDeliveryTests.AddCustomerAsync(setup, "wmKilled");
        await setup.Queue("outbound-messages").SendMessageAsync(WeComDeliveryTests.Message(leadId, 2, "trial-reminder"));

        var process = setup.ProcessSettings(new Dictionary<string, string>(standIn.AppSettings("__"))
        {
            ["WeCom__UnconfirmedAfterSeconds"] = "5",
            ["Journeys__Worker"] = "false",
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__VisibilityTimeoutSeconds"] = "3",
            ["Triggers__MaxPollingIntervalMs"] = "100",
        });
        var dll = Path.Combine(AppContext.BaseDirectory, "Funnel.App.dll");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        standIn.HoldMessages = hold;
        await using (var first = await AppProcess.StartAsync(dll, process))
        {
            await standIn.MessageHeld.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // Past the queue's 3 s visibility the message comes to the same process again while the first try waits
            // on WeCom: it finds the marker "sending" and is put back, not sent again.
            await Task.Delay(TimeSpan.FromSeconds(4));
            await first.KillAsync();
        }
        standIn.HoldMessages = null;
        hold.SetResult();
        Assert.Single(standIn.CustomerMessages);

        await using (var second = await AppProcess.StartAsync(dll, process))
        {
            Assert.True(await Eventually.Holds(async () =>
                (await setup.Hq().Lead(leadId)).GetProperty("stores")[0].GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("status").GetString() == "unconfirmed"),
                TimeSpan.FromSeconds(60)), "The interrupted message was not reported unconfirmed within 60 s.");
        }
        Assert.Single(standIn.CustomerMessages);
        var message = Assert.Single((await setup.Hq().Lead(leadId)).GetProperty("stores")[0].GetProperty("messages").EnumerateArray());
        Assert.Contains("not sent again", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // Counted on the process's day (real time), not the setup app's fake one.
        var counts = await (await setup.Hq().GetAsync($"/api/stores/s1/messages?to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}&days=30")).Json(System.Net.HttpStatusCode.OK);
        Assert.Equal((0L, 1L), (counts.GetProperty("sent").GetInt64(), counts.GetProperty("unconfirmed").GetInt64()));
    }
}
