namespace Funnel.Core.Purchases;

/// <summary>
/// The Service Bus contract for purchases, shared by the POS client that publishes and the app that reads: topic
/// <see cref="Name"/>, a JSON <see cref="PurchaseMessage"/> body, <see cref="MessageIdOf"/> as the message id (the
/// topic's duplicate detection drops a repeat inside its window; the app's own check drops it after), and the schema
/// version in an application property.
/// </summary>
public static class PurchaseTopic
{
    public const string Name = "purchases";

    /// <summary>The app's subscription.</summary>
    public const string Subscription = "funnel";

    public const string SchemaVersionProperty = "schemaVersion";
    public const string SchemaVersion = "1";
    public const string ContentType = "application/json";

    /// <summary>One purchase, one id, however often the POS sends it.</summary>
    public static string MessageIdOf(string storeId, string purchaseId) => $"{storeId}:{purchaseId}";
}
