using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Funnel.Core.Purchases;

/// <summary>
/// The purchase message as it arrives (HTTP body, Storage queue, Service Bus), checked field by field.
/// Every problem is reported, in words a POS integrator can act on; nothing is guessed. A sale names its shopper by
/// <see cref="ShopperId"/> (their channel identity) or <see cref="LeadId"/> (already hashed: what Funnel's own edge queues);
/// a refund (<see cref="RefundOf"/>) names the sale it refunds instead.
/// </summary>
public sealed class PurchaseMessage
{
    public string? PurchaseId { get; set; }
    public string? StoreId { get; set; }
    public string? ShopperId { get; set; }
    public string? LeadId { get; set; }
    public string? RefundOf { get; set; }
    public decimal? Amount { get; set; }
    public string? Currency { get; set; }
    public List<ItemMessage>? Items { get; set; }
    [JsonConverter(typeof(OffsetRequiredConverter))]
    public DateTimeOffset? PurchasedAt { get; set; }
    public string? Channel { get; set; }

    public sealed class ItemMessage
    {
        public string? Sku { get; set; }
        public int? Qty { get; set; }
        public decimal? Price { get; set; }
    }

    public const int MaxItems = 200;

    /// <summary>How far ahead of the server's clock a sale time may be (tills' clocks drift a little).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private const string RefundHint = "send a return as a refund: its own purchaseId, refundOf the sale's purchaseId, the returned lines with positive qty and price, and their amount";
    private static readonly DateTimeOffset EarliestPurchase = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestPurchase = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Parses and validates (a sale time after <paramref name="now"/> plus <see cref="MaxClockSkew"/> is refused); on
    /// failure <paramref name="errors"/> says everything that is wrong.
    /// </summary>
    public static bool TryRead(string json, out Purchase? purchase, out IReadOnlyList<string> errors, DateTimeOffset? now = null)
    {
        PurchaseMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<PurchaseMessage>(json, Json);
        }
        catch (JsonException e)
        {
            purchase = null;
            errors = [$"The message is not valid purchase JSON: {e.Message}"];
            return false;
        }
        if (message is null)
        {
            purchase = null;
            errors = ["The message is empty (JSON null)."];
            return false;
        }
        return message.TryValidate(out purchase, out errors, now);
    }

    public bool TryValidate(out Purchase? purchase, out IReadOnlyList<string> errors, DateTimeOffset? now = null)
    {
        var e = new List<string>();
        if (!Ids.IsValid(PurchaseId)) e.Add("purchaseId: " + Ids.Describe("purchaseId"));
        if (!Ids.IsValid(StoreId)) e.Add("storeId: " + Ids.Describe("storeId"));
        if (RefundOf is not null)
        {
            if (!Ids.IsValid(RefundOf)) e.Add("refundOf: " + Ids.Describe("refundOf"));
            else if (RefundOf == PurchaseId) e.Add("refundOf: a refund has its own purchaseId, not the sale's.");
        }
        if (ShopperId is not null && LeadId is not null) e.Add("shopperId: send shopperId or leadId, not both.");
        else if (LeadId is not null && !Leads.LeadIdHasher.LooksLikeLeadId(LeadId)) e.Add("leadId: 32 lowercase hex characters (a lead id), or send shopperId instead.");
        else if (ShopperId is not null && (string.IsNullOrWhiteSpace(ShopperId) || ShopperId.Length > Leads.LeadIdHasher.MaxShopperIdLength))
        {
            e.Add($"shopperId: not blank, at most {Leads.LeadIdHasher.MaxShopperIdLength} characters.");
        }
        else if (ShopperId is null && LeadId is null && RefundOf is null) e.Add($"shopperId: required (or leadId), at most {Leads.LeadIdHasher.MaxShopperIdLength} characters.");
        if (Amount is null) e.Add("amount: required.");
        else if (Amount < 0) e.Add($"amount: must not be negative (got {Amount.Value.ToString(CultureInfo.InvariantCulture)}); {RefundHint}.");
        else if (Amount > 100_000_000) e.Add("amount: larger than any single sale this system accepts (100,000,000).");
        if (Currency is null || Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper)) e.Add("currency: an ISO 4217 code in capitals, e.g. CNY.");
        if (PurchasedAt is null) e.Add("purchasedAt: required, ISO 8601 with an offset, e.g. 2026-11-23T10:00:00Z.");
        else if (PurchasedAt < EarliestPurchase || PurchasedAt > LatestPurchase) e.Add($"purchasedAt: {PurchasedAt:O} is not a plausible sale time (2000 to 2100).");
        else if (now is { } clock && PurchasedAt > clock + MaxClockSkew)
        {
            e.Add($"purchasedAt: {PurchasedAt:O} is in the future (the server's time is {clock:O}); check the till's clock and time zone.");
        }
        if (Items is null || Items.Count == 0) e.Add("items: at least one item.");
        else if (Items.Count > MaxItems) e.Add($"items: at most {MaxItems} lines a purchase (got {Items.Count}).");
        else
        {
            for (var i = 0; i < Items.Count; i++)
            {
                var item = Items[i];
                if (string.IsNullOrWhiteSpace(item.Sku) || item.Sku.Length > 64) e.Add($"items[{i}].sku: required, at most 64 characters.");
                if (item.Qty is null or < 1) e.Add($"items[{i}].qty: a whole number of at least 1; {RefundHint}.");
                if (item.Price is null or < 0) e.Add($"items[{i}].price: required, not negative; {RefundHint}.");
            }
            // The documented rule: the amount is what the lines add up to (line prices after discounts), so a sale's
            // revenue and its basket never disagree.
            if (Amount is { } amount && amount >= 0 && Items.All(i => i.Qty is >= 1 && i.Price is >= 0) && Items.Sum(i => i.Qty!.Value * i.Price!.Value) is var sum && sum != amount)
            {
                e.Add($"amount: {amount.ToString(CultureInfo.InvariantCulture)} is not what the items add up to ({sum.ToString(CultureInfo.InvariantCulture)}, the sum of qty × price); send line prices after discounts.");
            }
        }
        if (Channel is not null && !Ids.IsValid(Channel)) e.Add("channel: " + Ids.Describe("channel"));

        errors = e;
        if (e.Count > 0)
        {
            purchase = null;
            return false;
        }
        purchase = new Purchase(PurchaseId!, StoreId!, ShopperId?.Trim(), Amount!.Value, Currency!,
            [.. Items!.Select(i => new PurchaseItem(i.Sku!, i.Qty!.Value, i.Price!.Value))], PurchasedAt!.Value, Channel, LeadId, RefundOf);
        return true;
    }
}
