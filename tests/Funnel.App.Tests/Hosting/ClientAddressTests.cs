using System.Net;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Hosting;

/// <summary>
/// The public rate limit keys on the address a trusted proxy vouches for (the rightmost X-Forwarded-For entry the
/// proxy in front appended), never on what the client wrote to the left of it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ClientAddressTests(AzuriteFixture azurite)
{
    private async Task<(FunnelAppFactory App, string Code, HttpClient Shopper)> StartAsync(string trust)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["RateLimiting:PublicPermitsPerWindow"] = "3",
            ["RateLimiting:PublicWindowSeconds"] = "60",
            ["RateLimiting:TrustForwardedFor"] = trust,
        });
        app.StartOnPort(); // Kestrel: requests come from loopback, as from the Functions host
        var hq = app.Hq();
        await hq.CreateStore("s1");
        return (app, await hq.CreateCode("s1"), app.Anonymous());
    }

    private static async Task<HttpStatusCode> ScanFrom(HttpClient shopper, string code, string forwardedFor, int i)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scans") { Content = System.Net.Http.Json.JsonContent.Create(new { code, shopperId = $"p{i}" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await shopper.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task A_client_rotating_the_leftmost_forwarded_address_shares_the_budget_of_the_address_the_proxy_saw()
    {
        var (app, code, shopper) = await StartAsync("true");
        await using (app)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 5; i++) statuses.Add(await ScanFrom(shopper, code, $"10.0.0.{i}, 203.0.113.7", i));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
            // Another client, as the proxy saw it, has its own budget.
            Assert.Equal(HttpStatusCode.OK, await ScanFrom(shopper, code, "203.0.113.8", 9));
        }
    }

    [Fact]
    public async Task Without_trust_the_header_is_ignored()
    {
        var (app, code, shopper) = await StartAsync("false");
        await using (app)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 4; i++) statuses.Add(await ScanFrom(shopper, code, $"203.0.113.{i}", i));
            Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        }
    }
}
