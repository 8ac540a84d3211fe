using System.Text.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Contract;

/// <summary>
/// /openapi/v1.json is the API's contract: every response the app gives is declared there (status, content type,
/// schema). A representative walk over the whole API is checked here; the responses of every other test in the
/// collection are checked when it ends (<see cref="ContractFixture"/>).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiContractTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EveryResponseOfAWalkOverTheApi_IsWhatTheDocumentSays()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "100",
            ["Campaigns:MaxAssetMb"] = "1",
        });
        await using var limited = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["RateLimiting:PublicPermitsPerWindow"] = "1" });
        await using var down = new FunnelAppFactory(FunnelAppFactory.UnreachableStorage);
        var document = await ContractDocument.LoadAsync(app.Anonymous());

        Exception? stopped = null;
        try
        {
            await ContractWalk.RunAsync(app);
            await (await limited.Anonymous().GetAsync("/api/codes/x/qr.png")).Problem(System.Net.HttpStatusCode.BadRequest);
            await (await limited.Anonymous().GetAsync("/api/codes/x/qr.png")).Problem(System.Net.HttpStatusCode.TooManyRequests);
            await (await down.Anonymous().GetAsync("/healthz")).Problem(System.Net.HttpStatusCode.ServiceUnavailable);
        }
        catch (Exception e)
        {
            stopped = e; // what was received so far is still checked, and said first
        }

        var exchanges = new[] { app, limited, down }.SelectMany(a => ContractRecorder.Of(a.TablePrefix)).ToList();
        // Each API call of the walk is checked (none skipped as answered before routing), those that failed in a handler's exception too.
        Assert.All(exchanges.Where(e => e.Path.StartsWith("/api/", StringComparison.Ordinal)), e => Assert.True(ContractDocument.Applies(e), $"{e} is not checked."));
        var report = ContractReport.Of(document, exchanges);
        Assert.True(report.Conforms, report.Text + (stopped is null ? "" : $"\n\nThe walk also stopped early: {stopped.Message}"));
        if (stopped is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stopped);
        var reached = exchanges.Select(e => document.OperationOf(e.Method, e.Path)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missed = document.Operations.Where(o => !reached.Contains(o)).ToList();
        Assert.True(missed.Count == 0, $"The walk reaches no response of: {string.Join(", ", missed)}. Add them to ContractWalk.");
    }

    [Fact]
    public async Task TheCheck_FindsAnUndeclaredStatus_AnUndeclaredContentType_AndABodyThatIsNotItsSchema()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var document = await ContractDocument.LoadAsync(app.Anonymous());
        var headers = new Dictionary<string, string>();
        Exchange Response(int status, string? type, string body) => new("t", "GET", "/api/stores/s1", "", true, "/api/stores/{storeId}", false, status, type, body, false, headers);
        const string store = """{"storeId":"s1","name":"n","region":"r","groupCapacity":1,"maxGroups":1,"timeZone":"UTC","attributionWindowDays":1,"currency":"CNY","journey":{},"phoneRegion":"CN"}""";

        Assert.Empty(document.Check(Response(200, "application/json; charset=utf-8", store)));
        Assert.Contains("status 418 is not declared", Assert.Single(document.Check(Response(418, "application/problem+json", """{"detail":"x"}"""))));
        Assert.Contains("content type text/html", Assert.Single(document.Check(Response(200, "text/html", "<p>"))));
        Assert.Contains("'/groupCapacity'", Assert.Single(document.Check(Response(200, "application/json", store.Replace("\"groupCapacity\":1", "\"groupCapacity\":\"1\"", StringComparison.Ordinal)))));
        Assert.Contains("required", Assert.Single(document.Check(Response(200, "application/json", store.Replace("\"name\":\"n\",", "", StringComparison.Ordinal)))));
        Assert.Contains("no such operation", Assert.Single(document.Check(new Exchange("t", "PATCH", "/api/stores/s1", "", true, "/api/stores/{storeId}", false, 200, null, "", false, headers))));
        Assert.Contains("requires the header Location", Assert.Single(document.Check(new Exchange("t", "GET", "/a/token", "", true, "/a/{token}", false, 302, null, "", false, headers))));
    }

    [Fact]
    public async Task TheDocument_DeclaresTheBearerScheme_TheRedirect_TheRawUpload_AndOptionalNullables()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        using var json = JsonDocument.Parse(await app.Anonymous().GetStringAsync("/openapi/v1.json"));
        var root = json.RootElement;
        var paths = root.GetProperty("paths");

        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var getStore = paths.GetProperty("/api/stores/{storeId}").GetProperty("get");
        Assert.True(getStore.GetProperty("security")[0].TryGetProperty("Bearer", out _));
        Assert.Equal(["200", "401", "403", "404", "503"], getStore.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        // A scan is open to all; a staff token (optional) adds the detail.
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/api/scans").GetProperty("post").GetProperty("security")[0].ValueKind);
        Assert.Empty(paths.GetProperty("/api/scans").GetProperty("post").GetProperty("security")[0].EnumerateObject());
        // A shopper's event: a staff token or the shopper's session.
        var events = paths.GetProperty("/api/leads/{leadId}/events").GetProperty("post");
        Assert.Equal(["Bearer", "ShopperSession"], events.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Single().Name));
        Assert.Equal("X-Shopper-Session", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ShopperSession").GetProperty("name").GetString());
        var share = paths.GetProperty("/a/{token}").GetProperty("get").GetProperty("responses");
        Assert.False(share.TryGetProperty("200", out _));
        Assert.True(share.GetProperty("302").GetProperty("headers").GetProperty("Location").GetProperty("required").GetBoolean());
        var upload = paths.GetProperty("/api/campaigns/{campaignId}/assets").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Contains("image/*", upload.EnumerateObject().Select(c => c.Name));
        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.DoesNotContain("detail", schemas.GetProperty("ScanResponse").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain("journey", schemas.GetProperty("LeadStore").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.False(schemas.GetProperty("CampaignRequest").TryGetProperty("required", out _));
    }
}
