using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.Core.WeCom;
using Funnel.Testing;

namespace Funnel.App.Tests.WeCom;

/// <summary>
/// A store's code as a WeCom group join way (加入群聊) over the store's customer groups, kept to WeCom's truth: group
/// events set the sizes (read back from WeCom), a full group makes the way move on, a group WeCom opens for the way
/// joins the store by itself, and a dismissed one leaves.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WeComGroupTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private WeComStandIn _standIn = null!;

    public async Task InitializeAsync() => _standIn = await WeComStandIn.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    private static async Task Deliver(FunnelAppFactory app, string xml)
    {
        var (query, body) = WeComStandIn.SignedCallback(xml, app.Time.GetUtcNow().ToUnixTimeSeconds());
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().PostAsync($"/wecom/callback?{query}", new StringContent(body, Encoding.UTF8, "text/xml"))).StatusCode);
    }

    private static async Task<Dictionary<string, (int Members, bool Listed, bool Dismissed)>> Groups(FunnelAppFactory app) =>
        (await (await app.Hq().GetAsync("/api/stores/s1/wecom/groups")).Json(HttpStatusCode.OK)).GetProperty("groups").EnumerateArray()
            .ToDictionary(g => g.GetProperty("chatId").GetString()!, g => (g.GetProperty("members").GetInt32(), g.GetProperty("listed").GetBoolean(), g.GetProperty("dismissed").GetBoolean()));

    private List<string> Listed(string configId) => [.. _standIn.JoinWays[configId].GetProperty("chat_id_list").EnumerateArray().Select(c => c.GetString()!)];

    [Fact]
    public async Task AStoresCode_IsAJoinWayOverItsGroups_ThatMovesOnAsTheyFill()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: WeComDeliveryTests.Settings(_standIn));
        var hq = app.Hq();
        await hq.CreateStore("s1", capacity: 3);
        _standIn.AddChat("wrA", 1);
        _standIn.AddChat("wrB", 0);
        await (await hq.PutAsync("/api/stores/s1/wecom/groups/wrA", null)).Json(HttpStatusCode.OK);
        await (await hq.PutAsync("/api/stores/s1/wecom/groups/wrB", null)).Json(HttpStatusCode.OK);

        var created = await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "poster" })).Json(HttpStatusCode.Created);
        var configId = created.GetProperty("weCom").GetProperty("configId").GetString()!;
        Assert.Equal($"https://wework.qpic.cn/stand-in/{configId}.png", created.GetProperty("weCom").GetProperty("qrCode").GetString());
        var state = _standIn.JoinWays[configId].GetProperty("state").GetString()!;
        Assert.Equal(WeComIds.StateFor(created.GetProperty("code").GetString()!), state);
        Assert.Equal(["wrA", "wrB"], Listed(configId));

        // Two shoppers join wrA through the way: it is full (3 of 3), and the way lists wrB alone. WeCom's retries change nothing more.
        _standIn.Chats["wrA"].Enqueue(("wmJoin1", state));
        _standIn.Chats["wrA"].Enqueue(("wmJoin2", state));
        for (var i = 0; i < 3; i++) await Deliver(app, WeComStandIn.GroupChanged("wrA", "update", 1795428000, "add_member"));
        Assert.Equal(["wrB"], Listed(configId));
        Assert.Single(_standIn.JoinWayUpdates);
        Assert.Equal((3, false, false), (await Groups(app))["wrA"]);

        // wrB fills too, and WeCom opens wrC for the way (its members carry the way's state): wrC joins the store, listed.
        for (var i = 0; i < 3; i++) _standIn.Chats["wrB"].Enqueue(($"wmB{i}", state));
        await Deliver(app, WeComStandIn.GroupChanged("wrB", "update", 1795428100, "add_member"));
        Assert.Equal(["wrB"], Listed(configId)); // every group full: the newest stays, and WeCom opens the next
        _standIn.Chats["wrC"] = new([("wmC0", state)]);
        await Deliver(app, WeComStandIn.GroupChanged("wrC", "create", 1795428200));
        Assert.Equal(["wrC"], Listed(configId));

        // wrC is dismissed: it leaves the way.
        await Deliver(app, WeComStandIn.GroupChanged("wrC", "dismiss", 1795428300));
        Assert.Equal(["wrB"], Listed(configId));
        var groups = await Groups(app);
        Assert.Equal([("wrA", 3, false, false), ("wrB", 3, true, false), ("wrC", 0, false, true)],
            groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Value.Members, g.Value.Listed, g.Value.Dismissed)));
    }

    [Fact]
    public async Task AGroupThatIsNotTheStores_ChangesNothing_AndAnUnknownChatIsRefusedWithWeComsReason()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: WeComDeliveryTests.Settings(_standIn));
        var hq = app.Hq();
        await hq.CreateStore("s1");
        _standIn.AddChat("wrOther", 5);
        await Deliver(app, WeComStandIn.GroupChanged("wrOther", "create", 1795428000));
        await Deliver(app, WeComStandIn.GroupChanged("wrGone", "dismiss", 1795428000));
        Assert.Empty(await Groups(app));

        var refused = await (await hq.PutAsync("/api/stores/s1/wecom/groups/wrNowhere", null)).Json(HttpStatusCode.BadGateway);
        Assert.Contains("90501", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await hq.PutAsync("/api/stores/s1/wecom/groups/bad%20id", null)).Json(HttpStatusCode.BadRequest);
        await (await hq.PutAsync("/api/stores/nowhere/wecom/groups/wrOther", null)).Json(HttpStatusCode.NotFound);
        // Without groups, a store's code is a web code only.
        Assert.False((await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "poster" })).Json(HttpStatusCode.Created)).TryGetProperty("weCom", out _));
    }
}
