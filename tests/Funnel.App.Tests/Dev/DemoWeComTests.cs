using System.Globalization;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Dev.Demo;
using Funnel.Dev.Tokens;
using Funnel.Testing;
using Xunit.Abstractions;

namespace Funnel.App.Tests.Dev;

/// <summary>
/// The demo's chain through WeCom (./run.sh demo --wecom): the app configured for the local WeCom stand-in, shoppers
/// recruited by a clerk's code added by that clerk on WeCom (callbacks), welcomed by WeCom, and every number the app
/// reports still equal to what was sent.
/// </summary>
[Collection(AzuriteCollection.Name)] // not for its Azurite (it starts its own): to run apart from the other integration tests
public sealed class DemoWeComTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Demo_ThroughWeCom_AddsCustomersByCallback_WelcomesEachOnce_AndCountsExactlyWhatItSent()
    {
        // An Azurite of its own: a compressed demo leaves the shared one holding its journeys. Since this test joined the
        // first demo on the shared one, the tests that follow both twice met a 20 s storage stall (not proven the cause).
        await using var storage = await AzuriteServer.StartAsync();
        await using var standIn = await WeComStandIn.StartAsync();
        var settings = new Dictionary<string, string?>(standIn.AppSettings().Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)))
        {
            ["Journeys:TimeScale"] = "8640",
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "100",
        };
        await using var app = new FunnelAppFactory(storage.ConnectionString, settings: settings, fakeClock: false);
        var options = new DemoOptions
        {
            Stores = 2, Regions = 1, Clerks = 2, Days = 2, ScansPerStorePerDay = 20, SettleTimeout = TimeSpan.FromSeconds(20), WeCom = new Uri(standIn.BaseUrl),
        };
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var tokens = new DemoTokens(new AuthOptions { SigningKey = FunnelAppFactory.SigningKey }, TimeProvider.System);
        // The in-memory app's client reaches the stand-in's stats over the real network; the app's own routes in memory.
        var report = await new DemoRunner(app.CreateClient(), tokens, options, output, weCom: new DemoWeCom(options.WeCom, FunnelAppFactory.LeadHashKey)).RunAsync(CancellationToken.None);
        log.WriteLine(output.ToString());

        Assert.NotNull(report);
        Assert.Equal(0, report.Errors);
        Assert.True(report.CountsMatch, $"sent {report.Sent}, counted {report.Counted}");
        Assert.True(report.WeComOk, output.ToString());
        // The clerks' codes became contact ways, about half the shoppers were added on WeCom, each add welcomed once.
        Assert.Equal(4, standIn.ContactWayRequests.Count);
        Assert.InRange(standIn.Welcomes.Count, 20, (int)report.Sent.Scans);
        Assert.Contains("wecom: ", output.ToString(), StringComparison.Ordinal);
        Assert.True(report.Sent.Purchases > 0, report.Sent.ToString()); // WeCom customers buy too, credited by their identity
    }
}
