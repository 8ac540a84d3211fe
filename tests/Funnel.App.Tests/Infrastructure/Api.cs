using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Funnel.App.Tests.Infrastructure;

/// <summary>Small helpers so tests read as the API calls they make.</summary>
public static class Api
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with the status and a non-empty detail; returns it.</summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await response.Json(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), "A problem needs a detail a person can act on.");
        return problem;
    }

    public static async Task CreateStore(this HttpClient hq, string storeId, int? capacity = null, int? maxGroups = null, string region = "east")
    {
        var response = await hq.PutAsJsonAsync($"/api/stores/{storeId}", new { name = $"Store {storeId}", region, groupCapacity = capacity, maxGroups });
        await response.Json(HttpStatusCode.OK);
    }

    public static async Task CreateClerk(this HttpClient hq, string storeId, string clerkId)
    {
        var response = await hq.PutAsJsonAsync($"/api/stores/{storeId}/clerks/{clerkId}", new { name = $"Clerk {clerkId}" });
        await response.Json(HttpStatusCode.OK);
    }

    public static async Task<string> CreateCode(this HttpClient hq, string storeId, string? clerkId = null, string channel = "till")
    {
        var response = await hq.PostAsJsonAsync($"/api/stores/{storeId}/codes", new { clerkId, channel });
        return (await response.Json(HttpStatusCode.Created)).GetProperty("code").GetString()!;
    }

    public static Task<HttpResponseMessage> Scan(this HttpClient client, string code, string shopperId, string? scanId = null) =>
        client.PostAsJsonAsync("/api/scans", new { code, shopperId, scanId });

    public static async Task<JsonElement> Funnel(this HttpClient client, string storeId) =>
        await (await client.GetAsync($"/api/stores/{storeId}/funnel")).Json(HttpStatusCode.OK);

    public static async Task<JsonElement> Groups(this HttpClient client, string storeId) =>
        await (await client.GetAsync($"/api/stores/{storeId}/groups")).Json(HttpStatusCode.OK);
}
