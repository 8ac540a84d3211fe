using Microsoft.Playwright;

namespace Funnel.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright (the package brings the driver; no browser is downloaded). When the browser
/// cannot start, the tests that need it fail with the reason; they are never skipped. test.sh installs Chromium.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    /// <summary>Where the browser is: FUNNEL_CHROMIUM, or Debian's package.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("FUNNEL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}. ./test.sh installs it (apt-get install chromium); or set FUNNEL_CHROMIUM to a Chromium binary.");
        }
        // Expectations wait as long as actions do (15 s, not Playwright's 5): late in a full run the shared Azurite is
        // slow, and a page that answers in 6 s there is not a broken page.
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // No sandbox as root (CI); no background traffic, which the closed network here refuses.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--disable-default-apps"],
                Timeout = 60_000,
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh context (own storage) for one person, at a phone's or a desk's viewport.</summary>
    public async Task<Person> OpenAsync(string baseUrl, string testName, bool phone = false)
    {
        var context = await NewContextAsync(baseUrl, phone);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        var screenshots = Path.Combine(RepoRoot.Find(), "TestResults", "screenshots", testName);
        if (Directory.Exists(screenshots)) Directory.Delete(screenshots, recursive: true); // this run's steps only
        return new Person(context, page, screenshots, errors);
    }

    /// <summary>A fresh context: no cache, no storage, as a first visit.</summary>
    public async Task<IBrowserContext> NewContextAsync(string baseUrl, bool phone = false)
    {
        var context = await _browser.NewContextAsync(phone
            ? new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2 }
            : new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>One person's browser tab. <see cref="Step"/> names what they do: a failure says which step broke, with a screenshot.</summary>
public sealed class Person(IBrowserContext context, IPage page, string screenshots, List<string> errors) : IAsyncDisposable
{
    private int _steps;

    public IPage Page => page;

    /// <summary>Script errors the page raised (an uncaught exception or console.error).</summary>
    public IReadOnlyList<string> Errors => errors;

    public async Task Step(string name, Func<IPage, Task> action)
    {
        var file = Path.Combine(screenshots, $"{++_steps:00}-{Slug(name)}.png");
        Directory.CreateDirectory(screenshots);
        try
        {
            await action(page);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        }
        catch (Exception e)
        {
            var failed = Path.ChangeExtension(file, ".FAILED.png");
            try { await page.ScreenshotAsync(new PageScreenshotOptions { Path = failed, FullPage = true }); } catch (PlaywrightException) { }
            var status = await TextOr(page.Locator("#status"));
            throw new InvalidOperationException(
                $"Step '{name}' failed: {e.Message}\nPage: {page.Url}\nStatus line: {status}\nScript errors: {string.Join(" | ", errors)}\nScreenshot: {failed}", e);
        }
    }

    private static async Task<string> TextOr(ILocator locator)
    {
        try { return await locator.TextContentAsync(new LocatorTextContentOptions { Timeout = 1000 }) ?? ""; }
        catch (PlaywrightException) { return "(none)"; }
    }

    private static string Slug(string name) => new([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
