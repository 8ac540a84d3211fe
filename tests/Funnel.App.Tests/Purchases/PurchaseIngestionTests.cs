using System.Net;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Purchases;

[Collection(AzuriteCollection.Name)]
public sealed class PurchaseIngestionTests(AzuriteFixture azurite)
{
    private static async Task<(FunnelAppFactory App, HttpClient Hq)> StoreWithClerk(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        await hq.CreateClerk("s2", "c2");
        return (app, hq);
    }

    [Fact]
    public async Task QueueTrigger_HostEnvelope_CountsTheSaleAndCreditsTheRecruitingClerk()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "shopper-1")).Json(HttpStatusCode.OK);

        var body = await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "shopper-1", 88.8m))).Ok();

        Assert.True(body.TryGetProperty("Outputs", out _));
        Assert.Contains("Counted", body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("purchases").GetInt64());
        Assert.Equal(88.8m, funnel.GetProperty("revenue").GetDecimal());
        Assert.Equal(1, funnel.GetProperty("firstPurchases").GetInt64());
        Assert.Equal(1.0, funnel.GetProperty("conversionRate").GetDouble());
        Assert.Equal(1, funnel.GetProperty("storeSales").GetInt64());
        var clerk = Assert.Single(funnel.GetProperty("byClerk").EnumerateArray());
        Assert.Equal(1, clerk.GetProperty("purchases").GetInt64());
        Assert.Equal(88.8m, clerk.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task ServiceBusTrigger_HostEnvelope_IsTheSameHandler()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;

        await (await app.TriggerClient().PostAsJsonAsync("/PurchasesServiceBus", PurchaseFixtures.ServiceBusEnvelope(PurchaseFixtures.Message("p1", "s1", "walk-in")))).Ok();

        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("storeSales").GetInt64());
        Assert.Equal(0, funnel.GetProperty("purchases").GetInt64()); // an unknown shopper: a store sale, no credit
    }

    [Fact]
    public async Task SamePurchaseTwice_OnBothPaths_IsCountedOnce()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "shopper-1")).Json(HttpStatusCode.OK);
        var message = PurchaseFixtures.Message("p1", "s1", "shopper-1", 50m);

        await Task.WhenAll(
            app.InvokeQueue(message),
            app.InvokeQueue(message),
            app.TriggerClient().PostAsJsonAsync("/PurchasesServiceBus", PurchaseFixtures.ServiceBusEnvelope(message)));
        var again = await (await app.InvokeQueue(message, dequeueCount: 2)).Ok();

        Assert.Contains("Duplicate", again.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var funnel = await hq.Funnel("s1");
        Assert.Equal(1, funnel.GetProperty("storeSales").GetInt64());
        Assert.Equal(1, funnel.GetProperty("purchases").GetInt64());
        Assert.Equal(50m, funnel.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task PurchaseAtAnotherStore_IsACrossStoreConversionOfTheRecruitingStore()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;
        var lead = await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "shopper-1")).Json(HttpStatusCode.OK);

        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s2", "shopper-1", 30m))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "s1", "shopper-1", 20m))).Ok();

        var s1 = await hq.Funnel("s1");
        var s2 = await hq.Funnel("s2");
        Assert.Equal(2, s1.GetProperty("purchases").GetInt64());
        Assert.Equal(50m, s1.GetProperty("revenue").GetDecimal());
        Assert.Equal(1, s1.GetProperty("crossStorePurchases").GetInt64());
        Assert.Equal(1, s1.GetProperty("firstPurchases").GetInt64());
        Assert.Equal(1, s1.GetProperty("repurchases").GetInt64());
        Assert.Equal(1, s1.GetProperty("storeSales").GetInt64());
        Assert.Equal(0, s2.GetProperty("purchases").GetInt64());
        Assert.Equal(1, s2.GetProperty("storeSales").GetInt64());
        Assert.Equal(30m, s2.GetProperty("storeSalesRevenue").GetDecimal());

        var profile = await (await hq.GetAsync($"/api/leads/{lead.GetProperty("leadId").GetString()}")).Json(HttpStatusCode.OK);
        Assert.Contains(profile.GetProperty("groups").EnumerateArray(), g => g.GetProperty("tier").GetString() == "vip");
        var vip = (await hq.Groups("s1")).EnumerateArray().Single(g => g.GetProperty("tier").GetString() == "vip");
        Assert.Equal(1, vip.GetProperty("members").GetInt32());
    }

    [Fact]
    public async Task SamePurchaseIdAtTwoSellingStores_AreTwoPurchasesAndTwoCredits()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;
        await hq.CreateStore("s3");
        await (await app.Anonymous().Scan(await hq.CreateCode("s1", "c1"), "shopper-1")).Json(HttpStatusCode.OK);

        // Receipt numbers are per till: "1001" at s2 and "1001" at s3 are two sales, both the recruiting store's conversions.
        await (await app.InvokeQueue(PurchaseFixtures.Message("1001", "s2", "shopper-1", 10m))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("1001", "s3", "shopper-1", 20m))).Ok();

        var s1 = await hq.Funnel("s1");
        Assert.Equal(2, s1.GetProperty("crossStorePurchases").GetInt64());
        Assert.Equal(30m, s1.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task AttributionWindow_EdgeIsInclusive_AndCountsOnThePurchaseDay()
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;
        var code = await hq.CreateCode("s1", "c1");
        await (await app.Anonymous().Scan(code, "on-the-edge")).Json(HttpStatusCode.OK);
        await (await app.Anonymous().Scan(code, "one-second-late")).Json(HttpStatusCode.OK);
        var scannedAt = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromDays(31)); // the sales below are not in the future

        await (await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "on-the-edge", 10m, scannedAt.AddDays(30)))).Ok();
        await (await app.InvokeQueue(PurchaseFixtures.Message("p2", "s1", "one-second-late", 10m, scannedAt.AddDays(30).AddSeconds(1)))).Ok();

        var day = scannedAt.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var funnel = await (await hq.GetAsync($"/api/stores/s1/funnel?from={day}&to={day}")).Json(HttpStatusCode.OK);
        Assert.Equal(1, funnel.GetProperty("purchases").GetInt64());
        Assert.Equal(2, funnel.GetProperty("storeSales").GetInt64());
    }

    [Theory]
    [InlineData("{ this is not json")]
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":-5,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""")]
    [InlineData("""{"storeId":"s1","shopperId":"x","amount":5,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""")]
    [InlineData("""{"purchaseId":"p1","storeId":"nowhere","shopperId":"x","amount":5,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""")]
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":5,"currency":"USD","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""")]
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T09:00:00"}""")] // no offset
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T11:00:00Z"}""")] // the future
    [InlineData("""{"purchaseId":"p1","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":-1,"price":-1}],"purchasedAt":"2026-11-23T09:00:00Z"}""")] // a negative line
    public async Task BadMessage_GoesToThePoisonQueueWithItsReason_AndChangesNothing(string message)
    {
        var (app, hq) = await StoreWithClerk(azurite);
        await using var owned = app;

        var body = await (await app.InvokeQueue(message)).Ok();

        Assert.StartsWith("Poisoned:", body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var copy = Funnel.App.Triggers.PoisonCopy.Read(Assert.Single(await app.PoisonMessages()))!;
        Assert.False(string.IsNullOrWhiteSpace(copy.Reason));
        Assert.Equal(body.GetProperty("Logs")[0].GetString(), "Poisoned: " + copy.Reason);
        // What an operator needs, not the shopper's identity.
        if (copy.Message is { } kept)
        {
            Assert.False(kept.ContainsKey("shopperId"));
            Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(message)!["purchaseId"]?.ToJsonString(), kept["purchaseId"]?.ToJsonString());
        }
        else
        {
            Assert.Equal(message, copy.Text);
        }
        Assert.Equal(0, (await hq.Funnel("s1")).GetProperty("storeSales").GetInt64());
    }

    [Fact]
    public async Task StorageDown_AnswersNon2xxSoTheHostRetries()
    {
        await using var app = new FunnelAppFactory(FunnelAppFactory.UnreachableStorage);

        var response = await app.InvokeQueue(PurchaseFixtures.Message("p1", "s1", "x"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task PosEndpoint_QueuesAndTheLocalRunnerCountsIt()
    {
        var (app, hq) = await StoreWithClerk(azurite, new Dictionary<string, string?> { ["Triggers:LocalRunner"] = "true", ["Triggers:MaxPollingIntervalMs"] = "50" });
        await using var owned = app;
        var pos = app.As(Roles.Pos, "s1");

        var accepted = await pos.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p1", "s1", "walk-in", 12m), System.Text.Encoding.UTF8, "application/json"));
        await accepted.Json(HttpStatusCode.Accepted);
        await (await pos.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p1", "s2", "x"), System.Text.Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.Forbidden);
        await (await pos.PostAsJsonAsync("/api/purchases", new { purchaseId = "p2", storeId = "s1", amount = -1 })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p3", "s1", "x"), System.Text.Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.Forbidden);

        await Eventually.Holds(async () => await StoreSales(hq) != 0, TimeSpan.FromSeconds(10));
        var sales = await StoreSales(hq);
        Assert.Equal(1, sales);
        Assert.Equal(0, (await app.Queue("purchases").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task LocalRunner_MessageThatIsNotBase64_GoesToPoisonAndTheNextOneIsCounted()
    {
        var (app, hq) = await StoreWithClerk(azurite, new Dictionary<string, string?> { ["Triggers:LocalRunner"] = "true", ["Triggers:MaxPollingIntervalMs"] = "50" });
        await using var owned = app;
        var raw = new Azure.Storage.Queues.QueueClient(app.ConnectionString, app.TablePrefix + "-purchases"); // no base64: a foreign client
        await raw.SendMessageAsync("plain text, not base64 !");
        await app.Queue("purchases").SendMessageAsync(BinaryData.FromString(PurchaseFixtures.Message("p1", "s1", "walk-in")));

        await Eventually.Holds(async () => await StoreSales(hq) != 0, TimeSpan.FromSeconds(10));
        var sales = await StoreSales(hq);

        Assert.Equal(1, sales);
        Assert.Single(await app.Queue("purchases-poison").PeekMessagesAsync(10).ContinueWith(t => t.Result.Value));
    }

    [Fact]
    public async Task LocalRunner_MessageFailingEveryTry_MovesToPoisonAfterFiveTries()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Triggers:LocalRunner"] = "true",
            ["Triggers:MaxPollingIntervalMs"] = "50",
            ["Triggers:RetryBackoffBaseMs"] = "20",
        });
        var failing = new FailingTransport();
        using var client = app.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddSingleton<Funnel.App.Triggers.ITriggerTransport>(failing))).CreateClient();
        await (await client.GetAsync("/healthz")).Json(HttpStatusCode.OK);
        await app.Queue("purchases").SendMessageAsync(BinaryData.FromString("""{"purchaseId":"p1"}"""));

        await Eventually.Holds(async () => (await app.PoisonMessages()).Count != 0, TimeSpan.FromSeconds(15));
        var poisoned = await app.PoisonMessages();

        Assert.Equal(["""{"purchaseId":"p1"}"""], poisoned);
        Assert.Equal(5, failing.Calls);
        Assert.Equal(0, (await app.Queue("purchases").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    private static async Task<long> StoreSales(HttpClient hq) => (await hq.Funnel("s1")).GetProperty("storeSales").GetInt64();

    /// <summary>A trigger transport whose every invocation fails (the seam between the runner and the app).</summary>
    private sealed class FailingTransport : Funnel.App.Triggers.ITriggerTransport
    {
        private int _calls;

        public int Calls => _calls;

        public HttpClient Client => new(new Handler(this)) { BaseAddress = new Uri("http://failing") };

        private sealed class Handler(FailingTransport owner) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._calls);
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));
            }
        }
    }
}
