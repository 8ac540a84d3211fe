namespace Funnel.Core.Purchases;

/// <summary>A sale from a POS or an online shop. The same <see cref="PurchaseId"/> twice is one purchase.</summary>
public sealed record Purchase(
    string PurchaseId,
    string StoreId,
    string ShopperId,
    decimal Amount,
    string Currency,
    IReadOnlyList<PurchaseItem> Items,
    DateTimeOffset PurchasedAt,
    string? Channel);

public sealed record PurchaseItem(string Sku, int Qty, decimal Price);
