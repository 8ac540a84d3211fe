using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Funnel.App.Tests.Pages;

/// <summary>
/// The engagement features in a real browser: a shopper's points and share code, a clerk's day-by-day trend, KOCs and
/// candidates (promoting one), and HQ's trend, KOC leaderboard and points rules.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EngagementPagesTests(AzuriteFixture azurite)
{
    /// <summary>Store harbour (east) with clerk mei, and points rules in effect.</summary>
    private async Task<(PagesHarness H, HttpClient Hq, string ClerkCode)> StartAsync()
    {
        var h = await PagesHarness.StartAsync(azurite);
        var hq = h.App.Hq();
        await hq.CreateStore("harbour", region: "east");
        await hq.CreateClerk("harbour", "mei");
        await (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, shareRecruited = 5, perUnitAmount = 1m })).Json(HttpStatusCode.OK);
        h.App.Time.Advance(TimeSpan.FromMinutes(1));
        return (h, hq, await hq.CreateCode("harbour", "mei"));
    }

    [Fact]
    public async Task A_shopper_sees_their_points_and_shares_their_code()
    {
        var (h, _, code) = await StartAsync();
        await using var _ = h;
        await using var shopper = await h.Open(nameof(A_shopper_sees_their_points_and_shares_their_code), phone: true);
        string shareUrl = "";
        await shopper.Step("joins and sees the joining points", async page =>
        {
            await page.GotoAsync($"/s/{code}");
            await page.GetByLabel("Phone number or nickname").FillAsync("+86 138 0000 0101");
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your points" })).ToBeVisibleAsync();
            await Expect(page.Locator("#points-balance")).ToHaveTextAsync("10");
            await Expect(page.Locator("#points-entries")).ToContainTextAsync("+10 · joined the community");
        });
        await shopper.Step("sees a share code with its QR", async page =>
        {
            await Expect(page.Locator("#share-qr")).ToHaveAttributeAsync("src", new Regex("/api/codes/.+/qr.png$"));
            Assert.True(await page.Locator("#share-qr").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "The share QR did not load.");
            shareUrl = (await page.Locator("#share-link").GetAttributeAsync("href"))!;
            Assert.Contains("/s/", shareUrl, StringComparison.Ordinal);
            await Accessibility.AssertCleanAsync(page);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The landing page scrolls sideways on a phone.");
        });
        await using var friend = await h.Open(nameof(A_shopper_sees_their_points_and_shares_their_code) + "-friend", phone: true);
        await friend.Step("a friend joins through the share link", async page =>
        {
            await page.GotoAsync(shareUrl);
            await page.GetByLabel("Phone number or nickname").FillAsync("+86 138 0000 0102");
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Expect(page.Locator("#points-balance")).ToHaveTextAsync("10");
        });
        await shopper.Step("the sharer's points grow on the next visit", async page =>
        {
            await page.ReloadAsync();
            await page.GetByLabel("Phone number or nickname").FillAsync("+86 138 0000 0101");
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Expect(page.Locator("#points-balance")).ToHaveTextAsync("15");
            await Expect(page.Locator("#points-entries")).ToContainTextAsync("+5 · recruited a new lead by sharing");
        });
        Assert.Empty(shopper.Errors);
        Assert.Empty(friend.Errors);
    }

    [Fact]
    public async Task A_clerk_sees_the_trend_and_promotes_a_candidate_to_koc()
    {
        var (h, _, code) = await StartAsync();
        await using var _ = h;
        var (sharer, session) = await h.App.ShopperScan(code, "+86 138 0000 0201");
        var share = await (await session.PostAsync($"/api/leads/{sharer}/share-code", null)).Json(HttpStatusCode.Created);
        await h.App.Anonymous().ScanLead(share.GetProperty("code").GetString()!, "+86 138 0000 0202");
        await h.App.Anonymous().ScanLead(code, "+86 138 0000 0203");

        await using var person = await h.Open(nameof(A_clerk_sees_the_trend_and_promotes_a_candidate_to_koc));
        await person.Step("sees the day-by-day trend of their own funnel", async page =>
        {
            await page.GotoAsync($"/clerk#token={FunnelAppFactory.Token(Roles.Clerk, "harbour", "mei")}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#trend-chart")).ToHaveAttributeAsync("data-days", "7");
            await Expect(page.Locator("#trend-chart")).ToHaveAttributeAsync("data-values", new Regex("\"scans\":2,\"joined\":2,"));
            await Expect(page.Locator("#trend-chart svg")).ToHaveAttributeAsync("aria-label", new Regex("Scans 2, most on "));
        });
        await person.Step("promotes the shopper who recruited a friend", async page =>
        {
            await Expect(page.Locator("#kocs")).ToContainTextAsync("No KOCs yet");
            var first = page.Locator("#candidates tr").First;
            await Expect(first).ToContainTextAsync(sharer[..8]);
            await first.GetByRole(AriaRole.Button, new() { Name = $"Promote {sharer[..8]}" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex($"Shopper {sharer[..8]} is now a KOC"));
            await Expect(page.Locator("#kocs tr", new() { HasText = sharer[..8] })).ToHaveCountAsync(1);
            await Expect(page.Locator("#candidates tr", new() { HasText = sharer[..8] })).ToHaveCountAsync(0);
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(person.Errors);
        var card = await (await h.App.Hq().GetAsync("/api/kocs?storeId=harbour")).Json(HttpStatusCode.OK);
        Assert.Equal("mei", card.GetProperty("kocs")[0].GetProperty("clerkId").GetString());
    }

    [Fact]
    public async Task Hq_sees_the_trend_and_the_koc_leaderboard_and_sets_the_points_rules()
    {
        var (h, hq, code) = await StartAsync();
        await using var _ = h;
        var koc = await h.App.Anonymous().ScanLead(code, "+86 138 0000 0301");
        var promoted = await (await hq.PutAsJsonAsync($"/api/stores/harbour/kocs/{koc}", new { quota = 50 })).Json(HttpStatusCode.OK);
        await h.App.Anonymous().ScanLead(promoted.GetProperty("code").GetProperty("code").GetString()!, "+86 138 0000 0302");

        await using var person = await h.Open(nameof(Hq_sees_the_trend_and_the_koc_leaderboard_and_sets_the_points_rules));
        await person.Step("sees the chain's trend and its KOCs", async page =>
        {
            await page.GotoAsync($"/hq#token={FunnelAppFactory.Token(Roles.Hq)}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#trend-chart")).ToHaveAttributeAsync("data-days", "30");
            await Expect(page.Locator("#trend-chart")).ToHaveAttributeAsync("data-values", new Regex("\"scans\":2,"));
            var row = page.Locator("#koc-board tr", new() { HasText = $"{koc[..8]} @ harbour" });
            await Expect(row).ToContainTextAsync("east");
            await Expect(row).ToContainTextAsync("1 / 50");
            await Expect(page.Locator("#rules")).ToContainTextAsync("Joining10");
        });
        await person.Step("saves new points rules", async page =>
        {
            await page.GetByLabel("Joining").FillAsync("25");
            await page.GetByLabel("Points expire after (days, 0: never)").FillAsync("365");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save rules" }).ClickAsync();
            await Expect(page.Locator("#status")).ToContainTextAsync("Points rules saved");
            await Expect(page.Locator("#rules-next")).ToContainTextAsync("The rules in the form take effect at");
            await Expect(page.GetByLabel("Joining")).ToHaveValueAsync("25");
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(person.Errors);
        var rules = await (await hq.GetAsync("/api/programme/points")).Json(HttpStatusCode.OK);
        var latest = rules.GetProperty("versions")[0];
        Assert.Equal((25, 365), (latest.GetProperty("joining").GetInt32(), latest.GetProperty("expireAfterDays").GetInt32()));
    }
}
