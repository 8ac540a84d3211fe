using Azure.Core;
using Azure.Identity;

namespace Funnel.App.Storage;

/// <summary>
/// How the app reaches its storage account, read the way the Functions host reads it: "AzureWebJobsStorage" as a
/// connection string (Azurite: UseDevelopmentStorage=true), or identity-based ("AzureWebJobsStorage:accountName",
/// optional ":tableServiceUri"/":queueServiceUri"/":blobServiceUri", ":credential" = managedidentity and ":clientId").
/// </summary>
internal sealed class StorageConnection
{
    public StorageConnection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ConnectionString = configuration["AzureWebJobsStorage"] is { Length: > 0 } cs ? cs : null;
        var section = configuration.GetSection("AzureWebJobsStorage");
        var account = section["accountName"];
        TableUri = Endpoint(section["tableServiceUri"], account, "table");
        QueueUri = Endpoint(section["queueServiceUri"], account, "queue");
        BlobUri = Endpoint(section["blobServiceUri"], account, "blob");
        if (ConnectionString is null && (TableUri is null || QueueUri is null))
        {
            throw new InvalidOperationException(
                "No storage configured: set AzureWebJobsStorage to a connection string (UseDevelopmentStorage=true for Azurite) " +
                "or AzureWebJobsStorage__accountName for an identity-based connection.");
        }
        Credential = CredentialOf(section);
        TablePrefix = configuration["Storage:TablePrefix"] ?? "";
        QueuePrefix = configuration["Storage:QueuePrefix"] ?? "";
    }

    /// <summary>
    /// The identity of an identity-based connection, as the Functions host reads it from the connection's section:
    /// ":credential" = managedidentity (with ":clientId" for a user-assigned one), otherwise DefaultAzureCredential.
    /// </summary>
    public static TokenCredential CredentialOf(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return section["credential"] == "managedidentity"
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
    }

    /// <summary>Set when a connection string is configured; otherwise the URIs and <see cref="Credential"/> are used.</summary>
    public string? ConnectionString { get; }
    public Uri? TableUri { get; }
    public Uri? QueueUri { get; }
    public Uri? BlobUri { get; }
    public TokenCredential Credential { get; }

    /// <summary>Namespaces every table name (tests give each test its own).</summary>
    public string TablePrefix { get; }

    /// <summary>Namespaces every queue name (lowercase letters, digits and '-').</summary>
    public string QueuePrefix { get; }

    private static Uri? Endpoint(string? configured, string? account, string service) =>
        configured is { Length: > 0 } ? new Uri(configured) : account is null ? null : new Uri($"https://{account}.{service}.core.windows.net");
}
