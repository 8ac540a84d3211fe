using System.Net;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;

namespace Funnel.App.Tests.Apis;

/// <summary>Input a fuzzer sent that once answered 500 or 503: each is now a 400 problem that says what to fix.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BadInputTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("days=10000000")]
    [InlineData("days=-2147483648")]
    [InlineData("days=0")]
    [InlineData("to=9999-12-31")]
    [InlineData("from=0001-01-01&to=2026-11-23")]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("to=9999-12-31T23:59:59%2B14:00")]
    public async Task Funnel_and_leaderboard_refuse_days_out_of_range(string query)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        foreach (var path in new[] { "/api/stores/s1/funnel", "/api/leaderboard" })
        {
            var problem = await (await hq.GetAsync($"{path}?{query}")).Problem(HttpStatusCode.BadRequest);
            Assert.Contains("errors", problem.EnumerateObject().Select(p => p.Name));
        }
    }

    /// <summary>"$" matched before a final newline, so "s1\n" passed the id check and storage refused the key (503, retried forever).</summary>
    [Fact]
    public async Task Ids_with_a_trailing_newline_are_refused_before_storage()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        var store = await (await hq.PutAsJsonAsync("/api/stores/s1%0A", new { name = "S", region = "east" })).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("storeId", store.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await hq.CreateStore("s1");
        var pos = app.As("pos", "s1");
        var purchase = await (await pos.PostAsync("/api/purchases",
            new StringContent(PurchaseFixtures.Message("p1\n", "s1", "walk-in", 12m), System.Text.Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("purchaseId", purchase.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>JSON answers carry personal or staff data: never cached, never sniffed; the QR image keeps its own policy.</summary>
    [Fact]
    public async Task Json_answers_are_not_cached_or_sniffed()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");

        foreach (var response in new[] { await hq.GetAsync("/api/stores/s1"), await hq.GetAsync("/api/stores/none"), await app.Anonymous().GetAsync("/api/stores/s1") })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(response.Headers.CacheControl?.NoStore, $"{response.RequestMessage!.RequestUri} answered {(int)response.StatusCode} without no-store");
        }
        var qr = await app.Anonymous().GetAsync($"/api/codes/{code}/qr.png");
        Assert.Equal(TimeSpan.FromDays(1), qr.Headers.CacheControl?.MaxAge);
    }

    /// <summary>What the HTTP path can know at once it says at once (before, the sale was accepted and then poisoned, and the till never learned).</summary>
    [Fact]
    public async Task A_purchase_for_an_unknown_store_or_in_another_currency_is_refused_at_once()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        await app.Hq().CreateStore("s1");
        StringContent Sale(string store, string currency) => new(PurchaseFixtures.Message("p1", store, "walk-in", 12m, currency: currency), System.Text.Encoding.UTF8, "application/json");

        var unknown = await (await app.As("pos", "s9").PostAsync("/api/purchases", Sale("s9", "CNY"))).Problem(HttpStatusCode.NotFound);
        Assert.Contains("s9", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var currency = await (await app.As("pos", "s1").PostAsync("/api/purchases", Sale("s1", "EUR"))).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("CNY", currency.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await app.Queue("purchases").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
