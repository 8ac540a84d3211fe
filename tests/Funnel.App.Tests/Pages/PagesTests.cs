using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Funnel.App.Tests.Pages;

/// <summary>
/// The three pages in a real browser (Debian's Chromium, headless) against the app on a real port and real Azurite:
/// a shopper joins and books a trial on a phone, a clerk completes that trial and sees the funnel move, HQ pushes an
/// asset and sees a store's ack. Screenshots of every step land in TestResults/screenshots.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PagesTests(AzuriteFixture azurite)
{
    private Task<PagesHarness> StartAsync(double? timeScale = null) => PagesHarness.StartAsync(azurite, timeScale);

    private static async Task<JsonElement> Ok(Task<HttpResponseMessage> call, HttpStatusCode status = HttpStatusCode.OK) => await (await call).Json(status);

    [Fact]
    public async Task A_shopper_joins_books_a_trial_and_asks_on_a_phone()
    {
        await using var h = await StartAsync();
        var hq = h.App.Hq();
        await hq.CreateStore("harbour");
        await hq.CreateClerk("harbour", "mei");
        var code = await hq.CreateCode("harbour", "mei");

        await using var shopper = await h.Open(nameof(A_shopper_joins_books_a_trial_and_asks_on_a_phone), phone: true);
        await shopper.Step("opens the landing page from the QR code", async page =>
        {
            var response = await page.GotoAsync($"/s/{code}");
            Assert.Equal(200, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Store harbour");
            await Accessibility.AssertCleanAsync(page);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The landing page scrolls sideways on a phone.");
        });
        await shopper.Step("joins with the keyboard", async page =>
        {
            await page.GetByLabel("Phone number or nickname").FocusAsync();
            await page.Keyboard.TypeAsync("+86 138 0000 0001");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You're in" })).ToBeVisibleAsync();
            await Expect(page.Locator("#group-name")).ToContainTextAsync("mass group");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open the group in the app" })).ToHaveAttributeAsync("href", new Regex("^https://chat.example.com/join/harbour/"));
        });
        await shopper.Step("books the first trial slot", async page =>
        {
            await Expect(page.GetByRole(AriaRole.Radio)).ToHaveCountAsync(6);
            await page.GetByRole(AriaRole.Button, new() { Name = "Book this time" }).ClickAsync();
            await Expect(page.Locator("#booked")).ToContainTextAsync("Booked");
            await Accessibility.AssertCleanAsync(page);
        });
        await shopper.Step("asks a clerk a question", async page =>
        {
            await page.GetByLabel("What is your question about?").SelectOptionAsync("price");
            await page.GetByRole(AriaRole.Button, new() { Name = "Ask", Exact = true }).ClickAsync();
            await Expect(page.Locator("#asked")).ToContainTextAsync("A clerk will answer");
        });
        Assert.Empty(shopper.Errors);

        // What the shopper did is what the store sees.
        var funnel = await hq.Funnel("harbour");
        Assert.Equal(1, funnel.GetProperty("joined").GetInt64());
        Assert.Equal(1, funnel.GetProperty("trialBooked").GetInt64());
        Assert.Equal(1, funnel.GetProperty("questions").GetInt64());
        var tasks = await h.App.As(Roles.Clerk, "harbour", "mei").Tasks("harbour", "mei");
        Assert.Contains(tasks.EnumerateArray(), t => t.GetProperty("kind").GetString() == "answer-question");
    }

    [Fact]
    public async Task A_forged_code_gets_a_friendly_page()
    {
        await using var h = await StartAsync();
        await using var shopper = await h.Open(nameof(A_forged_code_gets_a_friendly_page), phone: true);
        await shopper.Step("opens a forged code", async page =>
        {
            var response = await page.GotoAsync("/s/this-is-not-a-signed-code");
            Assert.Equal(400, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This code doesn't work");
            var text = await page.Locator("body").InnerTextAsync();
            Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
            Assert.Contains("ask a shop assistant", text, StringComparison.Ordinal);
            await Accessibility.AssertCleanAsync(page);
        });
    }

    [Fact]
    public async Task A_clerk_completes_a_trial_and_sees_the_funnel_move()
    {
        // Two app hours a second: the booked slot (at most a day ahead) passes within seconds, on the engine's timers.
        await using var h = await StartAsync(timeScale: 7200);
        var hq = h.App.Hq();
        await (await hq.PutAsJsonAsync("/api/stores/lakeside", new { name = "Store lakeside", region = "east", journey = new { noShowAfterHours = 1, quietFrom = "00:00", quietUntil = "00:00", maxMessagesPerDay = 20 } }))
            .Json(HttpStatusCode.OK);
        await hq.CreateClerk("lakeside", "ana");
        var code = await hq.CreateCode("lakeside", "ana");
        var scan = await Ok(h.App.Anonymous().Scan(code, "+86 138 0000 0002"));
        var leadId = scan.GetProperty("leadId").GetString()!;
        var slot = scan.GetProperty("trialSlots")[0].GetDateTimeOffset();
        Assert.Equal("applied", await h.App.Shopper(scan.GetProperty("session").GetString()!).Apply(leadId, "trial-booked", new { slot }, storeId: "lakeside"));
        // The slot passes without the trial being marked: the clerk gets a follow-up.
        var clerk = h.App.As(Roles.Clerk, "lakeside", "ana");
        Assert.True(await Eventually.Holds(async () =>
            (await clerk.Tasks("lakeside", "ana")).EnumerateArray().Any(t => t.GetProperty("kind").GetString() == "trial-no-show"),
            TimeSpan.FromSeconds(45)), "The missed trial opened no follow-up for the clerk.");

        await using var person = await h.Open(nameof(A_clerk_completes_a_trial_and_sees_the_funnel_move));
        await person.Step("signs in with the link's token", async page =>
        {
            await page.GotoAsync($"/clerk#token={FunnelAppFactory.Token(Roles.Clerk, "lakeside", "ana")}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            Assert.DoesNotContain("token=", page.Url, StringComparison.Ordinal);
            await Expect(page.Locator("#who")).ToHaveTextAsync("Store lakeside · clerk ana");
            await Expect(page.Locator("#funnel-chart")).ToHaveAttributeAsync("data-values", new Regex("\"trialBooked\":1,\"trialCompleted\":0,"));
            await Expect(page.Locator("#qr")).ToHaveAttributeAsync("src", new Regex("/api/codes/.+/qr.png$"));
            Assert.True(await page.Locator("#qr").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "The clerk's QR code did not load.");
            await Expect(page.Locator("#groups meter")).ToHaveCountAsync(2); // the mass group and the trial cohort (small)
            await Accessibility.AssertCleanAsync(page);
        });
        await person.Step("marks the trial completed from the follow-up", async page =>
        {
            var task = page.Locator("#tasks li", new() { HasText = "Trial time passed" });
            await Expect(task).ToHaveCountAsync(1);
            await task.GetByRole(AriaRole.Button, new() { Name = "Mark trial completed" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync("Trial marked completed.");
        });
        await person.Step("sees the funnel number change", async page =>
        {
            await Expect(page.Locator("#funnel-chart")).ToHaveAttributeAsync("data-values", new Regex("\"trialCompleted\":1,"));
            await Expect(page.Locator("#funnel-chart svg")).ToHaveAttributeAsync("aria-label", new Regex("Trials done: 1"));
            await Expect(page.Locator("#tasks li", new() { HasText = "Trial time passed" })).ToHaveCountAsync(0);
        });
        await person.Step("switches the funnel to today with the keyboard", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Today" }).FocusAsync();
            // The app's day lasts 12 real seconds here, so whether the completion is still "today" depends on when the
            // page asks. The step checks what it can: one day is asked for, and the chart draws the answer it got.
            var response = await page.RunAndWaitForResponseAsync(() => page.Keyboard.PressAsync("Enter"),
                r => r.Url.Contains("/funnel?days=1", StringComparison.Ordinal));
            using var today = JsonDocument.Parse(await response.TextAsync());
            var mine = today.RootElement.GetProperty("byClerk").EnumerateArray().Where(c => c.GetProperty("clerkId").GetString() == "ana").ToList();
            var completed = mine.Count == 0 ? 0 : mine[0].GetProperty("trialCompleted").GetInt32();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Today" })).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("#funnel-chart")).ToHaveAttributeAsync("data-values", new Regex($"\"trialCompleted\":{completed},"));
        });
        Assert.Empty(person.Errors);
        Assert.Equal("qna", (await hq.Lead(leadId)).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task Hq_pushes_an_asset_and_sees_a_stores_ack()
    {
        await using var h = await StartAsync();
        var hq = h.App.Hq();
        await hq.CreateStore("east-1", region: "east");
        await hq.CreateStore("west-1", region: "west");

        await using var person = await h.Open(nameof(Hq_pushes_an_asset_and_sees_a_stores_ack));
        await person.Step("is refused with a clerk's token, then signs in with HQ's", async page =>
        {
            await page.GotoAsync("/hq");
            await Accessibility.AssertCleanAsync(page);
            await page.GetByLabel("Your HQ token").FillAsync(FunnelAppFactory.Token(Roles.Clerk, "east-1", "c1"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("#sign-in-error")).ToContainTextAsync("needs a hq token");
            await page.GetByLabel("Your HQ token").FillAsync(FunnelAppFactory.Token(Roles.Hq));
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#stores tr")).ToHaveCountAsync(2);
        });
        await person.Step("creates a campaign", async page =>
        {
            await page.GetByLabel("Campaign id").FillAsync("spring");
            await page.GetByLabel("Name").FillAsync("Spring launch");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
            await Expect(page.Locator("#status")).ToContainTextAsync("Campaign Spring launch created");
        });
        await person.Step("uploads a poster", async page =>
        {
            await page.GetByLabel("File (image, video or copy)").SetInputFilesAsync(new FilePayload { Name = "poster.png", MimeType = "image/png", Buffer = [137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3] });
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
            await Expect(page.Locator("#status")).ToContainTextAsync("poster.png uploaded (11 bytes)");
        });
        await person.Step("pushes it to every store", async page =>
        {
            await page.GetByLabel("Push to").SelectOptionAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Push" }).ClickAsync();
            await Expect(page.Locator("#status")).ToContainTextAsync("Pushed to 2 stores");
        });

        Assert.True(await Eventually.Holds(async () => (await Ok(hq.GetAsync("/api/campaigns/spring/push"))).GetProperty("complete").GetBoolean(), TimeSpan.FromSeconds(20)),
            "The push did not complete.");
        await hq.CreateClerk("east-1", "c1");
        await using (var clerk = await h.Open(nameof(Hq_pushes_an_asset_and_sees_a_stores_ack) + "-clerk"))
        {
            await clerk.Step("a clerk of east-1 marks the poster posted", async page =>
            {
                await page.GotoAsync($"/clerk#token={FunnelAppFactory.Token(Roles.Clerk, "east-1", "c1")}");
                var row = page.Locator("#assets tr", new() { HasText = "poster.png" });
                await Expect(row).ToContainTextAsync("assigned");
                await row.GetByRole(AriaRole.Button, new() { Name = "Mark poster.png posted" }).ClickAsync();
                await Expect(page.Locator("#status")).ToHaveTextAsync("poster.png marked posted.");
                await Expect(row).ToContainTextAsync("posted");
            });
            Assert.Empty(clerk.Errors);
        }
        h.App.Time.Advance(TimeSpan.FromDays(3)); // past the time after which HQ chases

        await person.Step("sees the store's ack and whom to chase", async page =>
        {
            await page.ReloadAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#execution-kpis")).ToContainTextAsync("Posted1");
            await Expect(page.Locator("#execution-kpis")).ToContainTextAsync("Execution rate50.0%");
            await Expect(page.Locator("#chase")).ToHaveTextAsync(new Regex("^west-1"));
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(person.Errors);
    }
}
