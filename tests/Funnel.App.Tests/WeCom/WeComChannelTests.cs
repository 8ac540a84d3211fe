using Funnel.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.Core.Leads;
using Microsoft.Extensions.DependencyInjection;
using Funnel.Core.WeCom;

namespace Funnel.App.Tests.WeCom;

/// <summary>
/// The WeCom channel end to end, against the local WeCom stand-in: a clerk's code becomes a "contact me" way, and a
/// customer that clerk adds through it (WeCom's signed, encrypted callback) becomes exactly one lead at the clerk's store.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WeComChannelTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly CallbackCrypto WeCom = WeComStandIn.Callbacks;
    private WeComStandIn _standIn = null!;

    public async Task InitializeAsync() => _standIn = await WeComStandIn.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    private FunnelAppFactory App() => new(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>(_standIn.AppSettings().Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)))
    {
        ["WeCom:ApiRetryDelayMilliseconds"] = "10",
    });

    private static async Task<HttpResponseMessage> Deliver(FunnelAppFactory app, string xml)
    {
        var (query, body) = WeComStandIn.SignedCallback(xml, app.Time.GetUtcNow().ToUnixTimeSeconds());
        return await app.Anonymous().PostAsync($"/wecom/callback?{query}", new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    [Fact]
    public async Task AClerksCode_IsAContactWay_AndACustomerAddedThroughIt_IsOneLeadOfThatClerk()
    {
        await using var app = App();
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var created = await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "wecom" })).Json(HttpStatusCode.Created);
        var code = created.GetProperty("code").GetString()!;
        Assert.Equal("https://wework.qpic.cn/stand-in/1.png", created.GetProperty("weCom").GetProperty("qrCode").GetString());
        // Asking again for the same code makes no second way.
        await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "wecom" })).Json(HttpStatusCode.Created);
        var way = Assert.Single(_standIn.ContactWayRequests);
        var state = way.GetProperty("state").GetString()!;
        Assert.Equal((WeComIds.StateFor(code), "c1"), (state, way.GetProperty("user")[0].GetString()));
        Assert.InRange(state.Length, 1, WeComIds.MaxStateLength);

        // WeCom delivers the event three times (it had no answer in time, say): one lead, one scan.
        var added = WeComStandIn.CustomerAdded(state, "wmExternal1", 1795428000);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await Deliver(app, added)).StatusCode);
        // Another customer, and a customer added through a way that is not Funnel's.
        Assert.Equal(HttpStatusCode.OK, (await Deliver(app, WeComStandIn.CustomerAdded(state, "wmExternal2", 1795428060))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Deliver(app, WeComStandIn.CustomerAdded("someone-elses-way", "wmExternal3", 1795428120))).StatusCode);

        // One welcome per event, on the event's welcome code, though the first event came three times.
        Assert.Equal(["WELCOME-1795428000-wmExternal1", "WELCOME-1795428060-wmExternal2"], _standIn.Welcomes.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("s1", _standIn.Welcomes["WELCOME-1795428000-wmExternal1"], StringComparison.Ordinal);
        Assert.Equal(4, _standIn.WelcomeCalls);

        var funnel = await hq.Funnel("s1");
        Assert.Equal((2L, 2L, 2L), (funnel.GetProperty("scans").GetInt64(), funnel.GetProperty("leads").GetInt64(), funnel.GetProperty("joined").GetInt64()));
        var clerk = funnel.GetProperty("byClerk").EnumerateArray().Single(c => c.GetProperty("clerkId").GetString() == "c1");
        Assert.Equal(2L, clerk.GetProperty("leads").GetInt64());
    }

    [Fact]
    public async Task ACustomerWhoDeletesTheClerk_EndsTheLeadsJourneyAtThatStore()
    {
        await using var app = App();
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var code = (await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "wecom" })).Json(HttpStatusCode.Created)).GetProperty("code").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await Deliver(app, WeComStandIn.CustomerAdded(WeComIds.StateFor(code), "wmLost", 1795428000))).StatusCode);
        var leadId = WeComIds.LeadIdFor(app.Services.GetRequiredService<LeadIdHasher>(), "wmLost");
        await hq.JourneyAt(leadId);

        var deleted = $"""
            <xml><ToUserName><![CDATA[{WeComStandIn.CorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1795429000</CreateTime>
            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[del_follow_user]]></ChangeType>
            <UserID><![CDATA[c1]]></UserID><ExternalUserID><![CDATA[wmLost]]></ExternalUserID></xml>
            """;
        Assert.Equal(HttpStatusCode.OK, (await Deliver(app, deleted)).StatusCode);

        Assert.True(await Eventually.Holds(async () => (await hq.Lead(leadId)).GetProperty("stage").GetString() == "opted-out", TimeSpan.FromSeconds(30)),
            "The journey did not end as opted out within 30 s.");
    }

    [Fact]
    public async Task ACodeWithoutAClerk_HasNoContactWay_AndWeComsRefusalIsA502ThatSaysWhy()
    {
        await using var app = App();
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var storeCode = await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "poster" })).Json(HttpStatusCode.Created);
        Assert.False(storeCode.TryGetProperty("weCom", out _));

        _standIn.Answer(60111); // WeCom: the UserID is not a member
        var refused = await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "wecom" })).Json(HttpStatusCode.BadGateway);
        Assert.Contains("60111", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_standIn.ContactWayRequests);
    }
}
