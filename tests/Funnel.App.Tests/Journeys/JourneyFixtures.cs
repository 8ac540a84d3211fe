using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Journeys;

/// <summary>Journey calls as tests make them.</summary>
public static class JourneyFixtures
{
    public static Task<HttpResponseMessage> Event(this HttpClient client, string leadId, string type, object? data = null, string? eventId = null, string? storeId = null) =>
        client.PostAsJsonAsync($"/api/leads/{leadId}/events{(storeId is null ? "" : "?storeId=" + storeId)}", new { type, eventId, data });

    public static async Task<JsonElement> Lead(this HttpClient client, string leadId) =>
        await (await client.GetAsync($"/api/leads/{leadId}")).Json(HttpStatusCode.OK);

    public static async Task<List<string>> History(this HttpClient client, string leadId) =>
        [.. (await client.Lead(leadId)).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("what").GetString()!)];

    public static async Task<JsonElement> Tasks(this HttpClient client, string storeId, string? clerkId = null) =>
        (await (await client.GetAsync($"/api/stores/{storeId}/tasks{(clerkId is null ? "" : "?clerkId=" + clerkId)}")).Json(HttpStatusCode.OK)).GetProperty("tasks");

    /// <summary>The templates on outbound-messages (peeked, so they stay), in order.</summary>
    public static async Task<List<string>> Outbound(this FunnelAppFactory app)
    {
        var peeked = await app.Queue("outbound-messages").PeekMessagesAsync(32);
        return [.. peeked.Value.Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.GetProperty("template").GetString()!)];
    }

    /// <summary>
    /// Waits until every outbox of the store is sent and its row deleted (the clean-up rides the lane's next
    /// transaction, or goes alone after a moment). Tests that jump the fake clock wait for this first, or the jump
    /// makes a fresh outbox look abandoned to the sweep.
    /// </summary>
    public static async Task OutboxesSettled(this FunnelAppFactory app, string storeId)
    {
        var filter = $"PartitionKey eq '{storeId}' and RowKey ge 'due|' and RowKey lt 'due|~'";
        Assert.True(await Eventually.Holds(async () =>
        {
            await foreach (var row in app.Table("stores").QueryAsync<Azure.Data.Tables.TableEntity>(filter))
            {
                if (row.RowKey.Contains("|o|", StringComparison.Ordinal)) return false;
            }
            return true;
        }, TimeSpan.FromSeconds(30)), "An outbox row stayed behind.");
    }

    /// <summary>Runs the sweep as the timer trigger (or the local runner) would.</summary>
    public static async Task<JsonElement> Sweep(this FunnelAppFactory app) =>
        await (await app.Anonymous().PostAsJsonAsync("/JourneySweep", new { Data = new Dictionary<string, string> { ["timer"] = "{}" }, Metadata = new Dictionary<string, object>() }))
            .Json(HttpStatusCode.OK);

    public static async Task<string> ScanLead(this HttpClient client, string code, string shopperId)
    {
        var scan = await (await client.Scan(code, shopperId)).Json(HttpStatusCode.OK);
        return scan.GetProperty("leadId").GetString()!;
    }
}
