using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;
using Funnel.Core.Leads;
using Funnel.Core.WeCom;
using Funnel.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.WeCom;

/// <summary>
/// Journey messages to a customer a clerk added on WeCom go out through WeCom, each once: the welcome is the add
/// event's, later messages are the clerk's customer message templates; WeCom's refusals are reported with their reason
/// and counted per store, and a busy WeCom is tried again later, not lost.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WeComDeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private WeComStandIn _standIn = null!;

    public async Task InitializeAsync() => _standIn = await WeComStandIn.StartAsync();

    public async Task DisposeAsync() => await _standIn.DisposeAsync();

    internal static Dictionary<string, string?> Settings(WeComStandIn standIn)
    {
        var settings = standIn.AppSettings().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        settings["WeCom:ApiRetryDelayMilliseconds"] = "10";
        settings["WeCom:DeliveryRetrySeconds"] = "1";
        settings["Journeys:Worker"] = "false"; // the tests hand the adapter its messages
        return settings;
    }

    /// <summary>Store s1 with clerk c1 and their WeCom code; <paramref name="customer"/> added through it. The lead id.</summary>
    internal static async Task<string> AddCustomerAsync(FunnelAppFactory app, string customer, long at = 1795428000)
    {
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        var code = (await (await hq.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "wecom" })).Json(HttpStatusCode.Created)).GetProperty("code").GetString()!;
        var (query, body) = WeComStandIn.SignedCallback(WeComStandIn.CustomerAdded(WeComIds.StateFor(code), customer, at), app.Time.GetUtcNow().ToUnixTimeSeconds());
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().PostAsync($"/wecom/callback?{query}", new StringContent(body, Encoding.UTF8, "text/xml"))).StatusCode);
        return WeComIds.LeadIdFor(app.Services.GetRequiredService<LeadIdHasher>(), customer);
    }

    internal static string Message(string leadId, int version, string template, int attempt = 0) => JsonSerializer.Serialize(new
    {
        messageId = $"s1:{leadId}:{version}:0", storeId = "s1", leadId, clerkId = "c1", template, at = "2026-11-23T10:00:00Z", attempt,
    });

    private static async Task<string> Deliver(FunnelAppFactory app, string message, int dequeueCount = 1)
    {
        var answer = await (await app.TriggerClient().PostAsJsonAsync("/OutboundMessages", PurchaseFixtures.QueueEnvelope(message, dequeueCount))).Json(HttpStatusCode.OK);
        return answer.GetProperty("Logs")[0].GetString()!;
    }

    private static async Task<List<JsonElement>> Messages(FunnelAppFactory app, string leadId) =>
        [.. (await app.Hq().Lead(leadId)).GetProperty("stores")[0].GetProperty("messages").EnumerateArray()];

    private static async Task<JsonElement> Counts(FunnelAppFactory app) =>
        await (await app.Hq().GetAsync("/api/stores/s1/messages?days=7")).Json(HttpStatusCode.OK);

    [Fact]
    public async Task AJourneyMessage_GoesOutOnce_AsTheClerksTemplate_AndTheWelcomeIsTheAddEvents()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: Settings(_standIn));
        var leadId = await AddCustomerAsync(app, "wmDelivered");

        Assert.Equal("Sent via welcome-code.", await Deliver(app, Message(leadId, 1, "welcome")));
        var reminder = Message(leadId, 2, "trial-reminder");
        Assert.Equal("Sent via message-template.", await Deliver(app, reminder));
        Assert.Equal("Sent via message-template.", await Deliver(app, Message(leadId, 3, "awareness-content-2"))); // the family's text
        // The same message again: WeCom's queue redelivers it, and the journey's retried step sends a second copy.
        Assert.Equal("Repeat: already Sent.", await Deliver(app, reminder, dequeueCount: 2));
        Assert.Equal("Repeat: already Sent.", await Deliver(app, reminder));

        Assert.Single(_standIn.Welcomes);
        Assert.Equal(2, _standIn.CustomerMessages.Count);
        var sent = _standIn.CustomerMessages.First();
        Assert.Equal(("c1", "wmDelivered"), (sent.GetProperty("sender").GetString(), sent.GetProperty("external_userid")[0].GetString()));
        Assert.Contains("Store s1", sent.GetProperty("text").GetProperty("content").GetString(), StringComparison.Ordinal);
        var history = await Messages(app, leadId);
        Assert.Equal([("welcome", "sent", "welcome-code"), ("trial-reminder", "sent", "message-template"), ("awareness-content-2", "sent", "message-template")],
            history.Select(m => (m.GetProperty("template").GetString(), m.GetProperty("status").GetString(), m.GetProperty("via").GetString())));
        var counts = await Counts(app);
        Assert.Equal((3L, 0L, 0L), (counts.GetProperty("sent").GetInt64(), counts.GetProperty("failed").GetInt64(), counts.GetProperty("unconfirmed").GetInt64()));
    }

    [Fact]
    public async Task WeComsRefusal_IsReportedWithItsReason_AndABusyWeCom_IsTriedAgainLater_NeverLostOrDoubled()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: Settings(_standIn));
        var leadId = await AddCustomerAsync(app, "wmLimited");
        _standIn.CustomerLimit = 2;
        Assert.Equal("Sent via message-template.", await Deliver(app, Message(leadId, 2, "trial-reminder")));

        // WeCom is busy past the client's own retries (1 + 3): the message goes back on the queue, its claim released.
        _standIn.Answer(-1, -1, -1, -1);
        Assert.StartsWith("Put back for 1 s", await Deliver(app, Message(leadId, 3, "qna-last-chance")), StringComparison.Ordinal);
        Assert.Single(await Messages(app, leadId));
        var queue = app.Queue("outbound-messages");
        Azure.Storage.Queues.Models.QueueMessage? back = null;
        Assert.True(await Eventually.Holds(async () => (back = (await queue.ReceiveMessageAsync()).Value) is not null, TimeSpan.FromSeconds(10)), "The busy message was not put back.");
        Assert.Equal(1, JsonDocument.Parse(back!.MessageText).RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal("Sent via message-template.", await Deliver(app, back.MessageText));

        // The customer's limit is reached: WeCom answers ok with the customer in fail_list.
        Assert.Equal("Failed.", await Deliver(app, Message(leadId, 4, "trial-reminder")));
        // Busy on the last attempt: failed, with why.
        _standIn.Answer(-1, -1, -1, -1);
        Assert.Equal("Failed.", await Deliver(app, Message(leadId, 5, "trial-reminder", attempt: 4)));
        // A template without a text.
        Assert.Equal("Failed.", await Deliver(app, Message(leadId, 6, "no-such-template")));

        Assert.Equal(2, _standIn.CustomerMessages.Count);
        var history = await Messages(app, leadId);
        Assert.Equal(["sent", "sent", "failed", "failed", "failed"], history.Select(m => m.GetProperty("status").GetString()));
        var reasons = history.Skip(2).Select(m => m.GetProperty("reason").GetString()!).ToList();
        Assert.Contains("fail_list", reasons[0], StringComparison.Ordinal);
        Assert.Contains("5 attempts", reasons[1], StringComparison.Ordinal);
        Assert.Contains("WeCom:MessageTexts:no-such-template", reasons[2], StringComparison.Ordinal);
        var counts = await Counts(app);
        Assert.Equal((2L, 3L), (counts.GetProperty("sent").GetInt64(), counts.GetProperty("failed").GetInt64()));
    }

    [Fact]
    public async Task Delivery_StorageRequests_ASendIsFive_ARepeatFour_ALoggedMessageTwo()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: Settings(_standIn));
        var leadId = await AddCustomerAsync(app, "wmCost");
        await Deliver(app, Message(leadId, 1, "welcome")); // the store's settings in the cache, today's count row made
        var counter = app.Services.GetRequiredService<Funnel.App.Storage.StorageRequestCounter>();
        async Task<long> Cost(string message)
        {
            var before = counter.Requests;
            await Deliver(app, message);
            return counter.Requests - before;
        }
        // The vault, the lead's consent, the claim (insert), the day's count, one transaction (outcome and count); then WeCom.
        Assert.Equal(5L, await Cost(Message(leadId, 2, "trial-reminder")));
        // A repeat: the vault, the consent, the claim refused, the marker read.
        Assert.Equal(4L, await Cost(Message(leadId, 2, "trial-reminder")));
        // A lead without WeCom: the vault, the consent, then the log.
        Assert.Equal(2L, await Cost(Message(new string('b', 32), 1, "welcome")));
    }

    [Fact]
    public async Task AMessageThatIsNotOne_GoesToThePoisonQueue_AndALeadWithoutWeCom_IsLogged()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: Settings(_standIn));
        await AddCustomerAsync(app, "wmOther");
        Assert.StartsWith("Poisoned: Not an outbound message", await Deliver(app, "{\"messageId\":\"x\"}"), StringComparison.Ordinal);
        Assert.Single(await app.Queue("outbound-messages-poison").ReceiveMessagesAsync(5).ContinueWith(t => t.Result.Value));
        var webLead = new string('a', 32);
        Assert.Equal("Logged: the lead has no WeCom contact.", await Deliver(app, Message(webLead, 1, "welcome")));
        Assert.Empty(_standIn.CustomerMessages);
    }
}
