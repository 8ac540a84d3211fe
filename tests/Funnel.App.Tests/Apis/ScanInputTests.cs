using System.Net;
using System.Net.Http.Json;
using System.Text;
using Funnel.App.Tests.Infrastructure;
using Funnel.Core.Codes;

namespace Funnel.App.Tests.Apis;

/// <summary>Bad scans get a problem a person can act on, and change nothing.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScanInputTests(AzuriteFixture azurite)
{
    private static async Task AssertNothingChanged(HttpClient hq, string storeId)
    {
        var funnel = await hq.Funnel(storeId);
        Assert.Equal(0, funnel.GetProperty("scans").GetInt64());
        Assert.Equal(0, funnel.GetProperty("leads").GetInt64());
        Assert.Empty((await hq.Groups(storeId)).EnumerateArray());
    }

    private static StringContent Raw(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Scan_ForgedCode_Is400AndChangesNothing()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var forger = new CodeSigner(Encoding.UTF8.GetBytes("not-the-real-code-signing-key-0123456789"));

        var problem = await (await app.Anonymous().Scan(forger.Sign(new EntryCode("s1", null, null, "till")), "p1")).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("signature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_AlteredCode_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");

        await (await app.Anonymous().Scan("x" + code[1..], "p1")).Problem(HttpStatusCode.BadRequest);
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_MalformedJson_Is400WithWhereItBroke()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");

        var problem = await (await app.Anonymous().PostAsync("/api/scans", Raw("{\"code\": \"abc\", "))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_MissingFields_Is400NamingEachField()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");

        var problem = await (await app.Anonymous().PostAsync("/api/scans", Raw("{}"))).Problem(HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("code", out _));
        Assert.True(errors.TryGetProperty("shopperId", out _));
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_WrongTypes_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        await (await app.Anonymous().PostAsync("/api/scans", Raw("{\"code\": 42, \"shopperId\": [1]}"))).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Scan_InvalidScanId_Is400()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");

        var problem = await (await app.Anonymous().Scan(code, "p1", scanId: "has/slash")).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("scanId", out _));
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_OversizedBody_Is413AndChangesNothing()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");

        var response = await app.Anonymous().PostAsJsonAsync("/api/scans", new { code, shopperId = new string('x', 10_000) });

        await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingChanged(hq, "s1");
    }

    [Fact]
    public async Task Scan_CodeOfAStoreThatDoesNotExist_Is404()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var signer = new CodeSigner(Encoding.UTF8.GetBytes(FunnelAppFactory.CodeSigningKey));

        var problem = await (await app.Anonymous().Scan(signer.Sign(new EntryCode("ghost", null, null, "till")), "p1")).Problem(HttpStatusCode.NotFound);

        Assert.Contains("ghost", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_TooManyFromOneAddress_Is429WithRetryAfter()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["RateLimiting:PublicPermitsPerWindow"] = "3",
            ["RateLimiting:PublicWindowSeconds"] = "60",
        });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var shopper = app.Anonymous();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++) statuses.Add((await shopper.Scan(code, $"p{i}")).StatusCode);
        var limited = await shopper.Scan(code, "p9");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        await limited.Problem(HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter is not null);
        Assert.Equal(3, (await hq.Funnel("s1")).GetProperty("scans").GetInt64());
    }
}
