using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Journeys;

/// <summary>Journey calls as tests make them. Journeys apply events in the background: tests that check effects wait for them.</summary>
public static class JourneyFixtures
{
    public static Task<HttpResponseMessage> Event(this HttpClient client, string leadId, string type, object? data = null, string? eventId = null, string? storeId = null) =>
        client.PostAsJsonAsync($"/api/leads/{leadId}/events{(storeId is null ? "" : "?storeId=" + storeId)}", new { type, eventId, data });

    /// <summary>Sends an event (202), then waits until the journey took it and returns its outcome (applied, ignored, duplicate, failed).</summary>
    public static async Task<string> Apply(this HttpClient client, string leadId, string type, object? data = null, string? eventId = null, string? storeId = null)
    {
        var accepted = await (await client.Event(leadId, type, data, eventId, storeId)).Json(HttpStatusCode.Accepted);
        return await client.OutcomeOf(accepted);
    }

    /// <summary>Waits for the outcome of an accepted event (the outcome resource is public, like the event endpoint).</summary>
    public static async Task<string> OutcomeOf(this HttpClient client, JsonElement accepted)
    {
        var url = $"/api/leads/{accepted.GetProperty("leadId").GetString()}/stores/{accepted.GetProperty("storeId").GetString()}/journey/events/{accepted.GetProperty("eventId").GetString()}";
        var outcome = "pending";
        Assert.True(await Eventually.Holds(async () =>
        {
            outcome = (await (await client.GetAsync(url)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString()!;
            return outcome != "pending";
        }, TimeSpan.FromSeconds(30)), $"The journey did not take event {url} within 30 s.");
        return outcome;
    }

    public static async Task<JsonElement> Lead(this HttpClient client, string leadId) =>
        await (await client.GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK);

    public static async Task<List<string>> History(this HttpClient client, string leadId) =>
        [.. (await client.Lead(leadId)).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("what").GetString()!)];

    /// <summary>Waits until the lead's journey (at its first store) has committed step <paramref name="version"/> (1: the start).</summary>
    public static async Task JourneyAt(this HttpClient hq, string leadId, int version = 1)
    {
        Assert.True(await Eventually.Holds(async () =>
        {
            var response = await hq.GetAsync($"/api/leads/{leadId}");
            if (response.StatusCode != HttpStatusCode.OK) return false;
            var stores = (await response.Json(HttpStatusCode.OK)).GetProperty("stores");
            return stores.GetArrayLength() > 0 && stores[0].TryGetProperty("journey", out var j) && j.GetProperty("version").GetInt32() >= version;
        }, TimeSpan.FromSeconds(30)), $"Lead {leadId}'s journey did not reach version {version} within 30 s.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the lead's history.</summary>
    public static async Task HistoryHolds(this HttpClient hq, string leadId, Func<List<string>, bool> condition, TimeSpan? timeout = null)
    {
        var last = new List<string>();
        Assert.True(await Eventually.Holds(async () => condition(last = await hq.History(leadId)), timeout ?? TimeSpan.FromSeconds(30)),
            "History: " + string.Join(" / ", last));
    }

    /// <summary>The engine's view of the journey: runtime status, custom status, the history of its current generation.</summary>
    public static async Task<JsonElement> EngineHistory(this HttpClient hq, string leadId, string storeId) =>
        await (await hq.GetAsync($"/api/leads/{leadId}/stores/{storeId}/journey/history")).Json(HttpStatusCode.OK);

    public static async Task<JsonElement> Tasks(this HttpClient client, string storeId, string? clerkId = null) =>
        (await (await client.GetAsync($"/api/stores/{storeId}/tasks{(clerkId is null ? "" : "?clerkId=" + clerkId)}")).Json(HttpStatusCode.OK)).GetProperty("tasks");

    /// <summary>The templates on outbound-messages (peeked, so they stay), in order.</summary>
    public static async Task<List<string>> Outbound(this FunnelAppFactory app)
    {
        var peeked = await app.Queue("outbound-messages").PeekMessagesAsync(32);
        return [.. peeked.Value.Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.GetProperty("template").GetString()!)];
    }

    /// <summary>Waits until outbound-messages holds exactly <paramref name="expected"/> (each sent once, in order).</summary>
    public static async Task OutboundIs(this FunnelAppFactory app, params string[] expected)
    {
        var last = new List<string>();
        Assert.True(await Eventually.Holds(async () => (last = await app.Outbound()).SequenceEqual(expected), TimeSpan.FromSeconds(30)),
            $"outbound-messages: {string.Join(", ", last)}; expected {string.Join(", ", expected)}");
    }

    public static async Task<string> ScanLead(this HttpClient client, string code, string shopperId)
    {
        var scan = await (await client.Scan(code, shopperId)).Json(HttpStatusCode.OK);
        return scan.GetProperty("leadId").GetString()!;
    }
}
