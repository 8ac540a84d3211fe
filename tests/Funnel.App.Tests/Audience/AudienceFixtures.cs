using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Journeys;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Audience;

internal static class AudienceFixtures
{
    /// <summary>An app whose local runner delivers outbound messages (and purchases) as the deployed triggers would.</summary>
    public static Dictionary<string, string?> Delivering(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Triggers:LocalRunner"] = "true", ["Triggers:MaxPollingIntervalMs"] = "100" };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    public static async Task<JsonElement> Segment(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/api/segments", body)).Json(HttpStatusCode.Created);

    public static async Task<JsonElement> Preview(this HttpClient client, string segmentId) =>
        await (await client.GetAsync($"/api/segments/{segmentId}/preview?sample=50")).Json(HttpStatusCode.OK);

    public static async Task<JsonElement> Broadcast(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/api/broadcasts", body)).Json(HttpStatusCode.Accepted);

    /// <summary>Waits until the broadcast is done and every message it queued has its channel's outcome; answers the report.</summary>
    public static async Task<JsonElement> Finished(this HttpClient client, string broadcastId, TimeSpan? timeout = null)
    {
        JsonElement last = default;
        var done = await Eventually.Holds(async () =>
        {
            last = await (await client.GetAsync($"/api/broadcasts/{broadcastId}")).Json(HttpStatusCode.OK);
            return last.GetProperty("status").GetString() == "done" && last.GetProperty("delivering").GetInt32() == 0;
        }, timeout ?? TimeSpan.FromSeconds(60));
        Assert.True(done, $"Broadcast {broadcastId} did not finish: {last}");
        return last;
    }

    public static async Task Tag(this HttpClient staff, string leadId, string tag) =>
        await (await staff.PutAsync($"/api/leads/{leadId}/tags/{tag}", null)).Json(HttpStatusCode.OK);

    /// <summary>Scans <paramref name="count"/> shoppers through the code; answers their lead ids and phone numbers.</summary>
    public static async Task<List<(string LeadId, string Phone)>> Shoppers(this FunnelAppFactory app, string code, int count, int first = 0)
    {
        var list = new List<(string, string)>();
        for (var i = first; i < first + count; i++)
        {
            var phone = $"139{i:D8}";
            list.Add((await app.Anonymous().ScanLead(code, phone), phone));
        }
        return list;
    }

    public static string Purchase(string id, string store, string phone, decimal amount, DateTimeOffset at) => PurchaseFixtures.Message(id, store, phone, amount, at);
}
