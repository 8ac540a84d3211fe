using System.Net;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;
using static Funnel.App.Auth.Roles;

namespace Funnel.App.Tests.Audience;

/// <summary>Manual and behaviour tags with when and who, consent that stops every message at once, and the audit of staff actions.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TagsAndConsentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_clerk_tags_a_lead_with_when_and_who_and_hq_reads_it_in_the_audit()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        var lead = await app.Anonymous().ScanLead(await hq.CreateCode("s1", "c1"), "13900000001");
        var clerk = app.As(Clerk, "s1", "c1");

        await clerk.Tag(lead, "vip-prospect");
        await clerk.Tag(lead, "vip-prospect"); // idempotent
        var tags = await (await clerk.GetAsync($"/api/leads/{lead}/tags")).Json(HttpStatusCode.OK);
        var vip = Assert.Single(tags.GetProperty("tags").EnumerateArray(), t => t.GetProperty("tag").GetString() == "vip-prospect");
        Assert.StartsWith("clerk", vip.GetProperty("by").GetString(), StringComparison.Ordinal);
        Assert.Equal(app.Time.GetUtcNow(), vip.GetProperty("at").GetDateTimeOffset());
        Assert.Contains(tags.GetProperty("tags").EnumerateArray(), t => t.GetProperty("tag").GetString() == "channel:till" && t.GetProperty("by").GetString() == "scan");

        var refused = await (await clerk.PutAsync($"/api/leads/{lead}/tags/did:purchase", null)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("lowercase", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.As(Store, "s2").PutAsync($"/api/leads/{lead}/tags/vip", null)).Problem(HttpStatusCode.NotFound);
        await (await clerk.DeleteAsync($"/api/leads/{lead}/tags/vip-prospect")).Json(HttpStatusCode.OK);
        Assert.DoesNotContain("vip-prospect", (await hq.Lead(lead)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var audit = await (await hq.GetAsync($"/api/audit?leadId={lead}")).Json(HttpStatusCode.OK);
        var actions = audit.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("action").GetString(), e.GetProperty("role").GetString())).ToList();
        Assert.Equal(2, actions.Count(a => a == ("tags.add", "clerk")));
        Assert.Contains(("tags.remove", "clerk"), actions);
        Assert.Contains(("tags.read", "clerk"), actions);
        Assert.Contains(("lead.read", "hq"), actions);
        await (await clerk.GetAsync($"/api/audit?leadId={lead}")).Problem(HttpStatusCode.Forbidden);
        var day = await (await hq.GetAsync("/api/audit")).Json(HttpStatusCode.OK);
        Assert.True(day.GetProperty("entries").GetArrayLength() >= 5);
    }

    [Fact]
    public async Task An_opt_out_withholds_a_message_already_queued_and_ends_the_journey_and_only_the_shopper_opts_back_in()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var (lead, shopper) = await app.ShopperScan(await hq.CreateCode("s1"), "13900000002");
        await app.OutboundIs("welcome");

        var staffOut = await (await app.As(Store, "s1").PutAsJsonAsync($"/api/leads/{lead}/consent", new { choice = "out", source = "till" })).Json(HttpStatusCode.OK);
        Assert.True(staffOut.GetProperty("state").GetProperty("optedOut").GetBoolean());
        Assert.StartsWith("staff:store", staffOut.GetProperty("history")[0].GetProperty("via").GetString(), StringComparison.Ordinal);
        await hq.HistoryHolds(lead, h => h.Any(line => line.Contains("opted out", StringComparison.Ordinal)));
        Assert.Equal("opted-out", (await hq.Lead(lead)).GetProperty("stage").GetString());

        var queued = (await app.Queue("outbound-messages").ReceiveMessageAsync()).Value;
        var answer = await (await app.TriggerClient().PostAsJsonAsync("/OutboundMessages", PurchaseFixtures.QueueEnvelope(queued.Body.ToString()))).Json(HttpStatusCode.OK);
        Assert.StartsWith("Withheld", answer.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);

        var staffIn = await (await app.As(Store, "s1").PutAsJsonAsync($"/api/leads/{lead}/consent", new { choice = "in" })).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("Only the shopper", staffIn.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var back = await (await shopper.PutAsJsonAsync($"/api/leads/{lead}/consent", new { choice = "in", textVersion = "privacy-2026-11" })).Json(HttpStatusCode.OK);
        Assert.False(back.GetProperty("state").GetProperty("optedOut").GetBoolean());
        Assert.Equal(["out", "in"], back.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("choice").GetString()));
        Assert.Equal("page:shopper-page", back.GetProperty("history")[1].GetProperty("via").GetString());
        var bad = await (await shopper.PutAsJsonAsync($"/api/leads/{lead}/consent", new { choice = "maybe", channel = "fax" })).Json(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("channel", out _));
    }
}
