using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.Testing;
using Microsoft.Playwright;

namespace Funnel.Bench;

/// <summary>
/// First render of each page against the local app holding the demo's data (the issue's target: ≤ 1 s):
/// 1. the app (Release, its own process, local runner on, clock at the demo's 4320×) and `Funnel.Dev.dll demo`
///    seeding a chain (--stores; --days simulated days, default 7); then a fresh app in real time over that data;
/// 2. each page loaded cold (a fresh browser context: no cache, no storage) 10 times after 2 warm-ups, in headless
///    Chromium: first contentful paint, and "ready" (the page's data is on screen: the funnel-ready mark);
/// 3. in the same run, the API calls each page makes, made straight from .NET in the same order and parallelism:
///    the floor the page cannot beat. ready ÷ API is what the browser, the HTML and the scripts add.
/// </summary>
internal static class PagesBenchmark
{
    private const int WarmUps = 2;
    private const int Loads = 10;

    public static async Task RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var seeding = Stopwatch.StartNew();
        await using (var demoApp = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__MaxPollingIntervalMs"] = "200",
            ["Journeys__TimeScale"] = "4320",
        }))
        {
            await DemoAsync(demoApp.BaseUrl, options.Stores, options.Days);
        }
        Console.Error.WriteLine($"demo data: {options.Stores} stores, {options.Days} simulated days in {seeding.Elapsed.TotalSeconds:F0} s");

        // The pages are measured on a quiet app over the demo's data: at 4320x the demo's app keeps firing every lead's
        // timers, and single-threaded Azurite under that load stalls for seconds at a time (see docs/benchmarks.md), which
        // would measure the emulator, not the pages.
        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Funnel__GroupJoinUrlTemplate"] = "https://chat.example.com/join/{storeId}/{groupId}",
            // The QR images on the app's own port, as locally (Development allows URLs from the request).
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Funnel__PublicBaseUrl"] = "",
        });

        var hq = await BenchApp.DevTokenAsync("hq");
        var clerk = await BenchApp.DevTokenAsync("clerk", "north-01", "c1");
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var code = (await Send(http, hq, HttpMethod.Post, "/api/stores/north-01/codes", new { clerkId = "c1", channel = "till" })).GetProperty("code").GetString()!;

        await using var browser = await Browser.LaunchAsync();
        var pages = new (string Name, string Path, bool Phone, Func<Task> Api)[]
        {
            ("shopper landing /s/{code}", $"/s/{code}", true, async () => (await http.GetAsync($"/s/{code}")).EnsureSuccessStatusCode()),
            ("clerk dashboard /clerk", $"/clerk#token={clerk}", false, () => ClerkApiAsync(http, clerk)),
            ("HQ console /hq", $"/hq#token={hq}", false, () => HqApiAsync(http, hq)),
        };

        Console.WriteLine($"| page | first contentful paint p50 / p90 / max | ready (data on screen) p50 / p90 / max | its API calls from .NET p50 | ready ÷ API (p50) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, path, phone, api) in pages)
        {
            var paints = new List<double>();
            var ready = new List<double>();
            var apis = new List<double>();
            for (var i = 0; i < WarmUps + Loads; i++)
            {
                var (paint, shown) = await LoadAsync(browser, app.BaseUrl, path, phone);
                var clock = Stopwatch.StartNew();
                await api();
                var apiMs = clock.Elapsed.TotalMilliseconds;
                if (i < WarmUps) continue;
                paints.Add(paint);
                ready.Add(shown);
                apis.Add(apiMs);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {P(paints, 50):F0} / {P(paints, 90):F0} / {paints.Max():F0} ms | {P(ready, 50):F0} / {P(ready, 90):F0} / {ready.Max():F0} ms | {P(apis, 50):F0} ms | {P(ready, 50) / P(apis, 50):F1} |"));
        }
        Console.WriteLine();
        Console.WriteLine($"Target: ready ≤ 1000 ms on every load. App peak memory {app.PeakMemoryMb():F0} MB.");
    }

    /// <summary>One cold load: milliseconds from navigation start to first contentful paint and to the page's data on screen.</summary>
    private static async Task<(double Paint, double Ready)> LoadAsync(Browser browser, string baseUrl, string path, bool phone)
    {
        await using var context = await browser.NewContextAsync(baseUrl, phone);
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        page.PageError += (_, e) => console.Add($"error: {e}");
        await page.GotoAsync(path);
        try
        {
            await page.WaitForSelectorAsync("body[data-ready=true]", new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{path.Split('#')[0]} showed no data in 30 s. Status line: '{await page.Locator("#status").TextContentAsync()}'. Console: {string.Join(" | ", console)}", e);
        }
        var marks = await page.EvaluateAsync<JsonElement>(
            "() => ({ paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1, ready: performance.getEntriesByName('funnel-ready')[0]?.startTime ?? -1 })");
        return (marks.GetProperty("paint").GetDouble(), marks.GetProperty("ready").GetDouble());
    }

    /// <summary>What /clerk asks for: the store (to check the token), then the funnel, tasks, groups, the clerk's code and the assets at once.</summary>
    private static async Task ClerkApiAsync(HttpClient http, string token)
    {
        await Send(http, token, HttpMethod.Get, "/api/stores/north-01");
        await Task.WhenAll(
            Send(http, token, HttpMethod.Get, "/api/stores/north-01/funnel?days=7"),
            Send(http, token, HttpMethod.Get, "/api/stores/north-01/tasks?clerkId=c1"),
            Send(http, token, HttpMethod.Get, "/api/stores/north-01/groups"),
            Send(http, token, HttpMethod.Post, "/api/stores/north-01/codes", new { channel = "till", clerkId = "c1" }),
            Send(http, token, HttpMethod.Get, "/api/stores/north-01/assets"));
    }

    /// <summary>What /hq asks for: the campaigns (to check the token), then the leaderboard and campaigns, then the first campaign's execution.</summary>
    private static async Task HqApiAsync(HttpClient http, string token)
    {
        await Send(http, token, HttpMethod.Get, "/api/campaigns");
        var results = await Task.WhenAll(Send(http, token, HttpMethod.Get, "/api/leaderboard?days=30"), Send(http, token, HttpMethod.Get, "/api/campaigns"));
        if (results[1].GetArrayLength() > 0)
        {
            await Send(http, token, HttpMethod.Get, $"/api/campaigns/{results[1][0].GetProperty("campaignId").GetString()}/execution");
        }
    }

    private static async Task<JsonElement> Send(HttpClient http, string token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The documented demo command, as a user runs it, against this app.</summary>
    private static async Task DemoAsync(string url, int stores, int days)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { BenchApp.DevDll, "demo", "--url", url, "--stores", stores.ToString(CultureInfo.InvariantCulture), "--days", days.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        info.Environment["Auth__SigningKey"] = BenchApp.SigningKey;
        using var process = Process.Start(info)!;
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync()) is not null) Console.Error.WriteLine($"  [demo] {line}");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"The demo exited with {process.ExitCode}.");
    }

    private static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }
}
