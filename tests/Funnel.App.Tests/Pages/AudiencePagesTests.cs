using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Funnel.App.Auth;
using Funnel.App.Tests.Audience;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Funnel.App.Tests.Pages;

/// <summary>
/// The audience features in a real browser: a clerk's Shopper card (tags, an opt-out), HQ's segment builder with its
/// live count, a broadcast and its report, and the shopper's own data (stop messages, download, erase).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AudiencePagesTests(AzuriteFixture azurite)
{
    private static readonly string[] SpringVip = ["spring-vip"];
    private static readonly string[] Converted = ["converted"];
    private static readonly string[] ShownToAMember = ["#mydata", "#welcome", "#points", "#share", "#trial", "#ask"];

    /// <summary>Store harbour (east) with clerk mei; the harness's local runner delivers outbound messages.</summary>
    private async Task<(PagesHarness H, HttpClient Hq, string Code)> StartAsync()
    {
        var h = await PagesHarness.StartAsync(azurite);
        var hq = h.App.Hq();
        await hq.CreateStore("harbour", region: "east");
        await hq.CreateClerk("harbour", "mei");
        return (h, hq, await hq.CreateCode("harbour", "mei"));
    }

    private static IEnumerable<string?> TagsOf(JsonElement answer) => answer.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("tag").GetString());

    [Fact]
    public async Task A_clerk_opens_a_shopper_tags_them_and_records_their_opt_out()
    {
        var (h, _, code) = await StartAsync();
        await using var _ = h;
        var (lead, session) = await h.App.ShopperScan(code, "+86 138 0000 0401");
        Assert.Equal("applied", await session.Apply(lead, "question-asked", new { questionId = "q1" }, "ask-q1")); // a follow-up for the clerk
        var other = await h.App.Anonymous().ScanLead(code, "+86 138 0000 0402");
        var clerk = h.App.As(Roles.Clerk, "harbour", "mei");

        await using var person = await h.Open(nameof(A_clerk_opens_a_shopper_tags_them_and_records_their_opt_out));
        await person.Step("opens a shopper from their follow-up", async page =>
        {
            await page.GotoAsync($"/clerk#token={FunnelAppFactory.Token(Roles.Clerk, "harbour", "mei")}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            var task = page.Locator("#tasks li", new() { HasText = "Question waiting for an answer" });
            await task.GetByRole(AriaRole.Button, new() { Name = $"shopper {lead[..8]}" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Shopper {lead[..8]}" })).ToBeFocusedAsync();
            await Expect(page.GetByLabel("Shopper's lead id")).ToHaveValueAsync(lead);
        });
        await person.Step("opens another by their lead id, then the first again", async page =>
        {
            await page.GetByLabel("Shopper's lead id").FillAsync(other);
            await page.GetByLabel("Shopper's lead id").PressAsync("Enter");
            await Expect(page.Locator("#status")).ToHaveTextAsync($"Shopper {other[..8]} opened: 2 tags, receives messages.");
            await page.GetByLabel("Shopper's lead id").FillAsync("not-a-lead");
            await page.GetByRole(AriaRole.Button, new() { Name = "Open shopper" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("^A shopper's lead id is 32 characters"));
            await Expect(page.GetByLabel("Shopper's lead id")).ToHaveAttributeAsync("aria-invalid", "true");
            await page.GetByLabel("Shopper's lead id").FillAsync(lead);
            await page.GetByRole(AriaRole.Button, new() { Name = "Open shopper" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Shopper {lead[..8]}" })).ToBeVisibleAsync();
            var till = page.Locator("#lead-tags tr", new() { HasText = "channel:till" });
            await Expect(till).ToContainTextAsync("Set by the system");
            await Expect(till.GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // the system's tags are not removed by hand
            await Expect(page.Locator("#consent-state")).ToHaveTextAsync("Receives messages (agreed by joining).");
            await Accessibility.AssertCleanAsync(page);
        });
        await person.Step("adds the tag vip with the keyboard", async page =>
        {
            await page.GetByLabel("New tag").FocusAsync();
            await page.Keyboard.TypeAsync("vip");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#status")).ToHaveTextAsync($"Tag vip added to shopper {lead[..8]}.");
            var row = page.Locator("#lead-tags tr[data-tag=vip]");
            await Expect(row).ToContainTextAsync("clerk");
            await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Remove vip", Exact = true })).ToBeVisibleAsync();
        });
        var tagged = await (await clerk.GetAsync($"/api/leads/{lead}/tags")).Json(HttpStatusCode.OK);
        var vip = Assert.Single(tagged.GetProperty("tags").EnumerateArray(), t => t.GetProperty("tag").GetString() == "vip");
        Assert.StartsWith("clerk", vip.GetProperty("by").GetString(), StringComparison.Ordinal);

        await person.Step("removes it", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Remove vip", Exact = true }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync($"Tag vip removed from shopper {lead[..8]}.");
            await Expect(page.Locator("#lead-tags tr[data-tag=vip]")).ToHaveCountAsync(0);
            await Expect(page.Locator("#lead-tags tr[data-tag='channel:till']")).ToHaveCountAsync(1);
        });
        var untagged = await (await clerk.GetAsync($"/api/leads/{lead}/tags")).Json(HttpStatusCode.OK);
        Assert.DoesNotContain("vip", TagsOf(untagged));
        Assert.Contains("channel:till", TagsOf(untagged));

        await person.Step("records the shopper's opt-out", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Record opt-out" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync($"Opt-out recorded: shopper {lead[..8]} gets no more messages.");
            await Expect(page.Locator("#consent-state")).ToHaveTextAsync(new Regex("^Opted out of all messages since .+ \\(recorded by clerk"));
            await Expect(page.Locator("#consent-history li")).ToHaveCountAsync(1);
            await Expect(page.Locator("#consent-history li")).ToContainTextAsync("Opted out of all messages");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Record opt-out" })).ToBeHiddenAsync();
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(person.Errors);
        var consent = await (await clerk.GetAsync($"/api/leads/{lead}/consent")).Json(HttpStatusCode.OK);
        Assert.True(consent.GetProperty("state").GetProperty("optedOut").GetBoolean());
        var choice = Assert.Single(consent.GetProperty("history").EnumerateArray());
        Assert.Equal(("out", "all"), (choice.GetProperty("choice").GetString(), choice.GetProperty("channel").GetString()));
        Assert.StartsWith("staff:clerk", choice.GetProperty("via").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hq_builds_a_segment_with_a_live_count_and_follows_its_broadcast_until_done()
    {
        var (h, hq, code) = await StartAsync();
        await using var _ = h;
        await hq.CreateStore("lakeside", region: "west");
        var harbour = await h.App.Shoppers(code, 3);
        var lakeside = await h.App.Shoppers(await hq.CreateCode("lakeside"), 2, first: 10);
        foreach (var (lead, _) in harbour.Take(2)) await h.App.As(Roles.Store, "harbour").Tag(lead, "spring-vip");
        await h.App.As(Roles.Store, "lakeside").Tag(lakeside[0].LeadId, "spring-vip");
        async Task<int> ApiCount(object filter) =>
            (await (await hq.PostAsJsonAsync("/api/segments/preview", new { scope = new { kind = "chain" }, filter })).Json(HttpStatusCode.OK)).GetProperty("count").GetInt32();
        var everyone = await ApiCount(new { });
        var tagged = await ApiCount(new { tagsAll = SpringVip });
        Assert.Equal((5, 3), (everyone, tagged));

        await using var person = await h.Open(nameof(Hq_builds_a_segment_with_a_live_count_and_follows_its_broadcast_until_done));
        await person.Step("sees the count of the whole chain", async page =>
        {
            await page.GotoAsync($"/hq#token={FunnelAppFactory.Token(Roles.Hq)}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync(everyone.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.GetByLabel("Who: the chain or one region")).ToContainTextAsync("Region west");
        });
        await person.Step("requires the tag and sees the live count follow", async page =>
        {
            await page.GetByLabel("Segment title").FillAsync("Spring VIPs");
            await page.GetByLabel("Tags required (comma-separated)").FillAsync("spring-vip");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync(tagged.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.Locator("#segment-live")).ToHaveAttributeAsync("data-count", tagged.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.Locator("#segment-cost")).ToHaveTextAsync(new Regex(@"^read \d+ stores?, \d+ rows in [\d.,]+ ms$"));
            // A stage nobody is at yet: none; and back.
            await page.GetByLabel("Converted").CheckAsync();
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("0");
            Assert.Equal(0, await ApiCount(new { tagsAll = SpringVip, stages = Converted }));
            await page.GetByLabel("Converted").UncheckAsync();
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("3");
            await Accessibility.AssertCleanAsync(page);
        });
        string segmentId = "";
        await person.Step("saves the segment", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Save segment" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync("Segment Spring VIPs saved. Write its message under Send a broadcast.");
            var segments = await (await hq.GetAsync("/api/segments")).Json(HttpStatusCode.OK);
            var saved = Assert.Single(segments.EnumerateArray());
            Assert.Equal("Spring VIPs", saved.GetProperty("name").GetString());
            Assert.Equal(SpringVip, saved.GetProperty("filter").GetProperty("tagsAll").EnumerateArray().Select(t => t.GetString()!));
            segmentId = saved.GetProperty("segmentId").GetString()!;
            await Expect(page.GetByLabel("Send to segment")).ToHaveValueAsync(segmentId);
        });
        Assert.Equal(tagged, (await hq.Preview(segmentId)).GetProperty("count").GetInt32());

        string broadcastId = "";
        await person.Step("sends a broadcast and follows its report until done", async page =>
        {
            await page.GetByLabel("Message").FillAsync("New colours in at {store}");
            await Expect(page.Locator("#broadcast-chars")).ToHaveTextAsync("25 of 500 characters");
            await page.GetByRole(AriaRole.Button, new() { Name = "Send now" }).ClickAsync();
            var report = page.Locator("#broadcast-report");
            await Expect(report).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 90_000 });
            await Expect(report.Locator("[data-kpi=sent] dd")).ToHaveTextAsync(tagged.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
            await Expect(report.Locator("[data-kpi=targeted] dd")).ToHaveTextAsync("3");
            await Expect(page.Locator("#report-status")).ToContainTextAsync(": done");
            await Expect(page.Locator("#report-skipped [data-reason=opted-out]")).ToHaveTextAsync("Opted out: 0");
            await Expect(page.Locator("#status")).ToContainTextAsync("is done: sent to 3 of 3 shoppers");
            broadcastId = (await report.GetAttributeAsync("data-broadcast-id"))!;
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(person.Errors);
        var final = await (await hq.GetAsync($"/api/broadcasts/{broadcastId}")).Json(HttpStatusCode.OK);
        Assert.Equal((segmentId, "done", tagged, tagged), (final.GetProperty("segmentId").GetString(), final.GetProperty("status").GetString(),
            final.GetProperty("targeted").GetInt32(), final.GetProperty("sent").GetInt32()));
    }

    [Fact]
    public async Task A_shopper_stops_messages_downloads_their_data_and_erases_it()
    {
        var (h, hq, code) = await StartAsync();
        await using var _ = h;
        string lead = "";
        await using var shopper = await h.Open(nameof(A_shopper_stops_messages_downloads_their_data_and_erases_it), phone: true);
        await shopper.Step("joins and sees their data card", async page =>
        {
            await page.GotoAsync($"/s/{code}");
            await page.GetByLabel("Phone number or nickname").FillAsync("+86 138 0000 0501");
            var scan = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync(),
                r => r.Url.EndsWith("/api/scans", StringComparison.Ordinal));
            using (var body = JsonDocument.Parse(await scan.TextAsync())) lead = body.RootElement.GetProperty("leadId").GetString()!;
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your data" })).ToBeVisibleAsync();
            await Expect(page.Locator("#consent-now")).ToHaveTextAsync("You receive the store's messages.");
            await Accessibility.AssertCleanAsync(page);
        });
        await shopper.Step("stops messages", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Stop messages" }).ClickAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync("Done: the store sends you no more messages.");
            await Expect(page.Locator("#consent-now")).ToHaveTextAsync("You receive no messages from the store.");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Receive messages again" })).ToBeVisibleAsync();
        });
        var consent = await (await hq.GetAsync($"/api/leads/{lead}/consent")).Json(HttpStatusCode.OK);
        Assert.True(consent.GetProperty("state").GetProperty("optedOut").GetBoolean());
        var choice = Assert.Single(consent.GetProperty("history").EnumerateArray());
        Assert.Equal(("out", "all", "page:shopper-page", "privacy-v1"), (choice.GetProperty("choice").GetString(), choice.GetProperty("channel").GetString(),
            choice.GetProperty("via").GetString(), choice.GetProperty("textVersion").GetString()));

        await shopper.Step("downloads their data", async page =>
        {
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download my data" }).ClickAsync());
            Assert.Equal($"my-data-{lead[..8]}.json", download.SuggestedFilename);
            var path = await download.PathAsync();
            using var exported = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal(lead, exported.RootElement.GetProperty("leadId").GetString());
            Assert.Equal("out", exported.RootElement.GetProperty("consentHistory")[0].GetProperty("choice").GetString());
            await Expect(page.Locator("#status")).ToHaveTextAsync("Your data is downloaded as a JSON file.");
        });
        await shopper.Step("asks to erase and is asked to confirm", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Erase my data" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Erase everything?" })).ToBeFocusedAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Erase my data" })).ToHaveAttributeAsync("aria-expanded", "true");
            await Accessibility.AssertCleanAsync(page);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The landing page scrolls sideways on a phone.");
        });
        Assert.Equal(HttpStatusCode.OK, (await hq.GetAsync($"/api/leads/{lead}")).StatusCode); // nothing is erased before the confirmation

        await shopper.Step("confirms and the page forgets them", async page =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, erase it all" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your data is erased" })).ToBeFocusedAsync();
            await Expect(page.Locator("#status")).ToHaveTextAsync("Your data is erased.");
            foreach (var section in ShownToAMember) await Expect(page.Locator(section)).ToBeHiddenAsync();
            await Accessibility.AssertCleanAsync(page);
        });
        Assert.Empty(shopper.Errors);
        await (await hq.GetAsync($"/api/leads/{lead}")).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync($"/api/leads/{lead}/export")).Problem(HttpStatusCode.NotFound);
    }
}
