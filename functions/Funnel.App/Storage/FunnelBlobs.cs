using Azure.Core;
using Azure.Storage.Blobs;

namespace Funnel.App.Storage;

/// <summary>The app's blob container for campaign assets (private; shared only through short-lived SAS URLs).</summary>
internal sealed class FunnelBlobs
{
    public FunnelBlobs(StorageConnection connection, StorageRequestCounter counter)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(counter);
        var options = counter.Apply(new BlobClientOptions());
        Service = connection.ConnectionString is { } cs
            ? new BlobServiceClient(cs, options)
            : new BlobServiceClient(connection.BlobUri!, connection.Credential, options);
        UsesSharedKey = connection.ConnectionString is not null && Service.CanGenerateAccountSasUri;
        // Container names are lowercase letters, digits and '-': the table prefix (tests) is lowercased for them.
        Assets = Service.GetBlobContainerClient(connection.TablePrefix.ToLowerInvariant() + "assets");
    }

    public BlobServiceClient Service { get; }

    /// <summary>Campaign assets, one blob each: "{campaignId}/{upload id}".</summary>
    public BlobContainerClient Assets { get; }

    /// <summary>True with an account key (Azurite, a connection string): a service SAS signed with the key; otherwise a user-delegation SAS.</summary>
    public bool UsesSharedKey { get; }
}
