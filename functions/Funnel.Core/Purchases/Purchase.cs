using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.Purchases;

/// <summary>
/// A sale from a POS or an online shop, or (<see cref="RefundOf"/> set) a refund of one: what was returned, for how
/// much. The same <see cref="PurchaseId"/> twice is one purchase. The shopper is named by their channel identity
/// (<see cref="ShopperId"/>, hashed on arrival) or, when the edge hashed it already, by <see cref="LeadId"/>.
/// </summary>
public sealed record Purchase(
    string PurchaseId,
    string StoreId,
    string? ShopperId,
    decimal Amount,
    string Currency,
    IReadOnlyList<PurchaseItem> Items,
    DateTimeOffset PurchasedAt,
    string? Channel,
    string? LeadId = null,
    string? RefundOf = null)
{
    public bool IsRefund => RefundOf is not null;

    /// <summary>
    /// What makes this purchase this purchase, as a short hash: store, lead, amount, currency, lines, time, channel and
    /// what it refunds. Two messages with one id and different fingerprints are a conflict, never the same sale.
    /// </summary>
    public string Fingerprint(string? leadId)
    {
        var text = new StringBuilder()
            .Append(StoreId).Append('\n').Append(leadId).Append('\n').Append(Amount.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Currency).Append('\n').Append(PurchasedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Channel).Append('\n').Append(RefundOf).Append('\n');
        foreach (var item in Items) text.Append(item.Sku).Append('\t').Append(item.Qty).Append('\t').Append(item.Price.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 12));
    }
}

public sealed record PurchaseItem(string Sku, int Qty, decimal Price);
