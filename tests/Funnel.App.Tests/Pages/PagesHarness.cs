using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;

namespace Funnel.App.Tests.Pages;

/// <summary>The app on a real port and a browser (Debian's Chromium, headless), for one page test.</summary>
internal sealed class PagesHarness(FunnelAppFactory app, Browser browser, string baseUrl) : IAsyncDisposable
{
    public FunnelAppFactory App => app;

    public Task<Person> Open(string test, bool phone = false) => browser.OpenAsync(baseUrl, test, phone);

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        await app.DisposeAsync();
    }

    /// <param name="timeScale">Set: the app runs a scaled clock (the journeys' timers fire on it), not the test's fake one.</param>
    public static async Task<PagesHarness> StartAsync(AzuriteFixture azurite, double? timeScale = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "100",
            ["Funnel:PublicBaseUrl"] = "", // links and QR images on the app's own port
            ["Funnel:GroupJoinUrlTemplate"] = "https://chat.example.com/join/{storeId}/{groupId}",
        };
        if (timeScale is { } scale) settings["Journeys:TimeScale"] = scale.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings, fakeClock: timeScale is null);
        try
        {
            var baseUrl = app.StartOnPort();
            return new PagesHarness(app, await Browser.LaunchAsync(), baseUrl);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
