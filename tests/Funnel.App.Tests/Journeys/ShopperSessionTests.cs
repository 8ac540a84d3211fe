using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Core.Codes;

namespace Funnel.App.Tests.Journeys;

/// <summary>
/// A shopper acts on their own journey with the session their scan answered; an anonymous caller who knows a lead id
/// acts on nothing, and learns nothing about whether a phone number is a customer's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShopperSessionTests(AzuriteFixture azurite)
{
    private async Task<(FunnelAppFactory App, HttpClient Hq, string Code)> Store()
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        return (app, hq, await hq.CreateCode("s1", "c1"));
    }

    [Fact]
    public async Task ShopperEvents_NeedTheLeadsOwnSessionForItsStore()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "+8613800000001");
        var (otherLead, _) = await app.ShopperScan(code, "+8613800000002");
        var s2Session = (await (await app.Anonymous().Scan(await hq.CreateCode("s2"), "+8613800000001")).Json(HttpStatusCode.OK)).GetProperty("session").GetString()!;
        await hq.JourneyAt(leadId);

        await (await app.Anonymous().Event(leadId, "complaint")).Problem(HttpStatusCode.Unauthorized);
        await (await app.Shopper("not-a-session").Event(leadId, "complaint")).Problem(HttpStatusCode.Unauthorized);
        var forged = new ShopperSessions(SigningKeys.Legacy("some-other-code-signing-key-0123456789"u8.ToArray()))
            .Issue(new ShopperSession(leadId, "s1", app.Time.GetUtcNow().AddHours(1)));
        var refused = await (await app.Shopper(forged).Event(leadId, "complaint")).Problem(HttpStatusCode.Unauthorized);
        Assert.Contains("signature", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await shopper.Event(otherLead, "complaint")).Problem(HttpStatusCode.Forbidden); // another lead's journey
        await (await shopper.Event(leadId, "complaint", storeId: "s2")).Problem(HttpStatusCode.Forbidden); // another store
        await (await app.Shopper(s2Session).Event(leadId, "complaint", storeId: "s1")).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Pos, "s1").Event(leadId, "complaint")).Problem(HttpStatusCode.Forbidden); // a till is not the shopper
        await (await shopper.Event(leadId, "question-answered", new { questionId = "q1" })).Problem(HttpStatusCode.Forbidden); // staff work
        // The outcome of an event is the shopper's (and the staff's) too.
        var accepted = await (await shopper.Event(leadId, "content-opened", eventId: "open-1")).Json(HttpStatusCode.Accepted);
        await (await app.Anonymous().GetAsync($"/api/leads/{leadId}/stores/s1/journey/events/open-1")).Problem(HttpStatusCode.Unauthorized);
        Assert.Equal("applied", await shopper.OutcomeOf(accepted));

        Assert.Equal(0, (await hq.Funnel("s1")).GetProperty("complaints").GetInt64());
    }

    /// <summary>A backdated question escalated at once and counted late against the clerk: a shopper's event is stamped on arrival.</summary>
    [Fact]
    public async Task ShopperEvents_AreStampedWithTheServersTime_StaffMayBackdate()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "+8613800000001");
        var yesterday = app.Time.GetUtcNow().AddDays(-1);

        var problem = await (await shopper.PostAsJsonAsync($"/api/leads/{leadId}/events", new { type = "question-asked", at = yesterday, data = new { questionId = "q1" } }))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Contains("'at' is for staff", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("applied", await shopper.Apply(leadId, "question-asked", new { questionId = "q1" }));

        var task = Assert.Single((await hq.Tasks("s1")).EnumerateArray());
        Assert.Equal(app.Time.GetUtcNow().AddHours(4), task.GetProperty("dueAt").GetDateTimeOffset());
        await (await hq.PostAsJsonAsync($"/api/leads/{leadId}/events?storeId=s1", new { type = "content-opened", at = yesterday })).Json(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Complaints_CountOncePerVisitAndOncePerQuestionAsked()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var (leadId, shopper) = await app.ShopperScan(code, "+8613800000001");

        Assert.Equal("applied", await shopper.Apply(leadId, "complaint"));
        Assert.Equal("ignored", await shopper.Apply(leadId, "complaint")); // a new event id, the same visit
        Assert.Equal("ignored", await shopper.Apply(leadId, "complaint", new { questionId = "never-asked" }));
        Assert.Equal("applied", await shopper.Apply(leadId, "question-asked", new { questionId = "q1" }));
        Assert.Equal("applied", await shopper.Apply(leadId, "complaint", new { questionId = "q1" }));
        Assert.Equal("ignored", await shopper.Apply(leadId, "complaint", new { questionId = "q1" }));

        Assert.Equal(2, (await hq.Funnel("s1")).GetProperty("complaints").GetInt64());
    }

    /// <summary>Whoever types a phone number learns nothing about whether it is a customer's: new and known numbers answer alike.</summary>
    [Fact]
    public async Task AnonymousScan_AnswersNewAndKnownNumbersAlike_StaffSeeTheDetail()
    {
        var (app, hq, code) = await Store();
        await using var owned = app;
        var first = await (await app.Anonymous().Scan(code, "+8613800000001")).Json(HttpStatusCode.OK);
        var again = await (await app.Anonymous().Scan(code, "+8613800000001")).Json(HttpStatusCode.OK);

        static string[] Shape(JsonElement e) => [.. e.EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}")];
        Assert.Equal(Shape(first), Shape(again));
        Assert.False(again.TryGetProperty("detail", out _));
        foreach (var leak in new[] { "isNewLead", "isNewAtStore", "stage", "clerkId" }) Assert.False(again.TryGetProperty(leak, out _), leak);

        var staff = await (await app.As(Roles.Store, "s1").Scan(code, "+8613800000001")).Json(HttpStatusCode.OK);
        Assert.False(staff.GetProperty("detail").GetProperty("isNewLead").GetBoolean());
        Assert.Equal("c1", staff.GetProperty("detail").GetProperty("clerkId").GetString());
        var otherStore = await (await app.As(Roles.Store, "s2").Scan(code, "+8613800000001")).Json(HttpStatusCode.OK);
        Assert.False(otherStore.TryGetProperty("detail", out _));
    }
}
