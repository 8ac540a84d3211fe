using Funnel.Core.Purchases;

namespace Funnel.Core.Tests.Purchases;

public sealed class PurchaseMessageTests
{
    private const string Valid = """
        {"purchaseId":"p-1","storeId":"s1","shopperId":"wx-1","amount":19.90,"currency":"CNY",
         "items":[{"sku":"A1","qty":2,"price":9.95}],"purchasedAt":"2026-11-23T10:00:00Z","channel":"pos"}
        """;

    /// <summary>A refund names the sale it refunds, not the shopper; a sale hashed at the edge names the lead.</summary>
    [Theory]
    [InlineData("""{"purchaseId":"r","storeId":"s1","refundOf":"p-1","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00+08:00"}""")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","leadId":"0123456789abcdef0123456789abcdef","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""")]
    public void TryRead_RefundsAndHashedSales_AreValid(string json) =>
        Assert.True(PurchaseMessage.TryRead(json, out _, out var errors), string.Join(" ", errors));

    [Fact]
    public void TryRead_ValidMessage_ReturnsThePurchase()
    {
        Assert.True(PurchaseMessage.TryRead(Valid, out var purchase, out var errors), string.Join(" ", errors));
        Assert.Equal("p-1", purchase!.PurchaseId);
        Assert.Equal(19.90m, purchase.Amount);
        Assert.Equal(new PurchaseItem("A1", 2, 9.95m), Assert.Single(purchase.Items));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), purchase.PurchasedAt);
    }

    [Theory]
    [InlineData("not json", "not valid purchase JSON")]
    [InlineData("null", "empty")]
    [InlineData("""{"storeId":"s1"}""", "purchaseId")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":-1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "negative")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"yuan","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "ISO 4217")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[],"purchasedAt":"2026-11-23T10:00:00Z"}""", "items")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":0,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "qty")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}]}""", "purchasedAt")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":10,"currency":"CNY","items":[{"sku":"a","qty":2,"price":4.5}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "add up to (9.0")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":"ten","currency":"CNY"}""", "not valid purchase JSON")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"0001-01-01T00:00:00Z"}""", "plausible")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00"}""", "with an offset")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23"}""", "with an offset")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T12:00:00+08:00"}""", "in the future")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "shopperId: required")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","leadId":"0123456789abcdef0123456789abcdef","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "not both")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","leadId":"x","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "leadId")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","refundOf":"p","amount":1,"currency":"CNY","items":[{"sku":"a","qty":1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "own purchaseId")]
    [InlineData("""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":-1,"currency":"CNY","items":[{"sku":"a","qty":-1,"price":1}],"purchasedAt":"2026-11-23T10:00:00Z"}""", "refundOf")]
    public void TryRead_BadMessage_SaysWhatIsWrong(string json, string expected)
    {
        Assert.False(PurchaseMessage.TryRead(json, out var purchase, out var errors, new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero)));
        Assert.Null(purchase);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TryRead_TooManyItems_IsRefused()
    {
        var items = string.Join(",", Enumerable.Repeat("""{"sku":"a","qty":1,"price":1}""", PurchaseMessage.MaxItems + 1));
        var json = $$"""{"purchaseId":"p","storeId":"s1","shopperId":"x","amount":1,"currency":"CNY","items":[{{items}}],"purchasedAt":"2026-11-23T10:00:00Z"}""";

        Assert.False(PurchaseMessage.TryRead(json, out _, out var errors));
        Assert.Contains(errors, e => e.StartsWith("items: at most", StringComparison.Ordinal));
    }
}
