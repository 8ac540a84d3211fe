using System.Net;
using System.Text.Json;
using Funnel.App.Apis;
using Funnel.App.Storage;
using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;

namespace Funnel.App.Tests.Hosting;

/// <summary>
/// The custom-handler contract, checked against the files the Functions host reads: host.json, every function
/// folder's function.json, and the app's routes and queues. Drift between them fails here, not in Azure.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsContractTests(AzuriteFixture azurite)
{
    private static readonly string HostFolder = Path.Combine(RepoRoot.Find(), "functions", "host");

    private static IEnumerable<(string Name, JsonElement Bindings)> Functions() =>
        Directory.GetDirectories(HostFolder)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(d => (Path.GetFileName(d), JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "function.json"))).RootElement.GetProperty("bindings").Clone()));

    /// <summary>The host's files live in functions/host; the app's folder holds code, and its build copies them to the output's root.</summary>
    [Fact]
    public void HostFiles_LiveApartFromTheCode_AndTheBuildPutsThemAtTheRoot()
    {
        var code = Path.Combine(RepoRoot.Find(), "functions", "Funnel.App");
        var strays = Directory.EnumerateFiles(code, "*.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(code, p)).Where(p => p is "host.json" || Path.GetFileName(p) == "function.json");
        Assert.Empty(strays);
        var functions = Functions().Select(f => f.Name).ToList();
        Assert.Contains("PurchasesQueue", functions);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "host.json")), "host.json is not at the root of the build output.");
        Assert.All(functions, f => Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, f, "function.json")), $"{f}/function.json is not in the build output."));
    }

    /// <summary>The production assembly is the app alone: the demo, dev tokens and packaging live in tools/Funnel.Dev.</summary>
    [Fact]
    public void TheAppAssembly_HoldsTheAppAlone()
    {
        var app = typeof(Program).Assembly;
        string[] toolCode = [".Demo.", "DevToken", "TokenCommand", "PackageCommand"];
        Assert.DoesNotContain(app.GetTypes(), t => toolCode.Any(c => t.FullName!.Contains(c, StringComparison.Ordinal)));
        Assert.DoesNotContain(app.GetReferencedAssemblies(), a => a.Name == "Funnel.Dev");
    }

    [Fact]
    public void HostJson_RunsTheAppAsACustomHandlerWithTheV4Bundle()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostFolder, "host.json"))).RootElement;

        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("[4.*, 5.0.0)", host.GetProperty("extensionBundle").GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        // The package's self-contained executable (see PackageTests), started with no interpreter and no arguments.
        Assert.Equal("Funnel.App", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.False(handler.GetProperty("description").TryGetProperty("arguments", out _));
        Assert.Equal("", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal(5, host.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public async Task EveryFunction_IsServedByTheApp_AndItsQueueIsTheAppsQueue()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var client = app.TriggerClient();
        var functions = Functions().ToList();
        // A request each public route must answer (200, or 401 for the authenticated API).
        var samples = new Dictionary<string, string>
        {
            ["api/{*path}"] = "/api/stores/x/groups",
            ["healthz"] = "/healthz",
            ["openapi/{*path}"] = "/openapi/v1.json",
            ["a/{*path}"] = "/a/not-a-token",
            ["b/{*path}"] = "/b/not-a-token",
            ["s/{*path}"] = "/s/not-a-code", // the friendly 400 page
            ["clerk"] = "/clerk",
            ["hq"] = "/hq",
            ["static/{*path}"] = "/static/app.css",
            ["wecom/callback"] = "/wecom/callback",
        };
        Assert.NotEmpty(functions);

        foreach (var (name, bindings) in functions)
        {
            var trigger = bindings.EnumerateArray().Single(b => b.GetProperty("direction").GetString() == "in");
            switch (trigger.GetProperty("type").GetString())
            {
                case "httpTrigger":
                    // Forwarding needs HTTP in + HTTP out only; the route must reach something the app serves.
                    Assert.Equal(["httpTrigger", "http"], bindings.EnumerateArray().Select(b => b.GetProperty("type").GetString()));
                    var route = trigger.GetProperty("route").GetString()!;
                    Assert.True(samples.TryGetValue(route, out var path), $"{name}: route '{route}' has no sample request in this test; add one.");
                    var served = await client.GetAsync(path);
                    // 400 for the share link and landing samples: the route is served and says the token or code is not one.
                    // 404 with a problem for the WeCom callback: the channel is off in this app, and the app says how to turn it on.
                    var offChannel = route == "wecom/callback" && served.StatusCode == HttpStatusCode.NotFound && served.Content.Headers.ContentType?.MediaType == "application/problem+json";
                    Assert.True(offChannel || served.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{name}: GET {path} answered {(int)served.StatusCode}");
                    break;
                case "queueTrigger":
                    // Each queue function listens on the app's queue of that name (the app puts its messages there).
                    var queues = new Dictionary<string, string>
                    {
                        [TriggersApi.PurchasesQueueFunction] = FunnelQueues.PurchasesName,
                        [TriggersApi.CampaignPushFunction] = FunnelQueues.CampaignPushName,
                        [TriggersApi.OutboundMessagesFunction] = FunnelQueues.OutboundMessagesName,
                    };
                    Assert.True(queues.TryGetValue(name, out var queue), $"{name}: a queue function this contract test does not know; add it here.");
                    Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
                    await AssertTriggerEndpoint(client, name);
                    break;
                case "serviceBusTrigger":
                    Assert.Equal("purchases", trigger.GetProperty("topicName").GetString());
                    Assert.Equal("funnel", trigger.GetProperty("subscriptionName").GetString());
                    await AssertTriggerEndpoint(client, name);
                    break;
                default:
                    Assert.Fail($"{name}: a trigger type this contract test does not know; add it here.");
                    break;
            }
        }
    }

    /// <summary>An invocation without data is a permanent failure (poisoned, 200), never a 404 or 405: the route exists.</summary>
    private static async Task AssertTriggerEndpoint(HttpClient client, string function)
    {
        var response = await client.PostAsync("/" + function, new StringContent("""{"Data":{},"Metadata":{}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
