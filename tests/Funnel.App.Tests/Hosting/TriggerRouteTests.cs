using System.Net;
using System.Net.Sockets;
using System.Text;
using Funnel.App.Extensions;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Triggers;

namespace Funnel.App.Tests.Hosting;

/// <summary>
/// The trigger routes (POST /{FunctionName}) are reached only as the host or the app's own runner invokes them: no
/// spelling of a public path leads there, and standalone they need the runner's key.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TriggerRouteTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("/api/%2e%2e/PurchasesQueue")]
    [InlineData("/api/%2E%2e/healthz")]
    [InlineData("/api/.%2e/CampaignPush")]
    [InlineData("/api/../PurchasesQueue")]
    [InlineData("/api/./stores/s1")]
    [InlineData("/api%2fstores")]
    [InlineData("/api/%5c..%5cPurchasesQueue")]
    public void Dot_segments_and_encoded_slashes_are_suspicious(string path) => Assert.True(PathGuardMiddleware.IsSuspicious(path));

    [Theory]
    [InlineData("/api/stores/s1.north/funnel?to=2026-11-23")]
    [InlineData("/s/czF8YzF8fHRpbGw.cSPZDMcm8HvAbOE1GGnl4g")]
    [InlineData("/static/app.css")]
    [InlineData("/healthz?x=../y")]
    public void Ordinary_paths_pass(string path) => Assert.False(PathGuardMiddleware.IsSuspicious(path));

    /// <summary>Sent byte for byte to the real server (an HttpClient would resolve the dots before sending).</summary>
    [Theory]
    [InlineData("POST", "/api/%2e%2e/PurchasesQueue")]
    [InlineData("GET", "/api/%2e%2e/healthz")]
    [InlineData("POST", "/api/../CampaignPush")]
    public async Task A_public_path_never_reaches_a_trigger_route(string method, string target)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var url = new Uri(app.StartOnPort());
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, url.Port);
        await using var stream = tcp.GetStream();
        var body = """{"Data":{},"Metadata":{}}""";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        var response = await new StreamReader(stream).ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standalone_trigger_routes_need_the_runners_key()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var envelope = () => new StringContent("""{"Data":{},"Metadata":{}}""", Encoding.UTF8, "application/json");

        var refused = await (await app.Anonymous().PostAsync("/PurchasesQueue", envelope())).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("trigger runner", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var wrong = app.Anonymous();
        wrong.DefaultRequestHeaders.Add(TriggerKey.Header, "not-the-key");
        await (await wrong.PostAsync("/PurchasesQueue", envelope())).Problem(HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.OK, (await app.TriggerClient().PostAsync("/PurchasesQueue", envelope())).StatusCode);
    }
}
