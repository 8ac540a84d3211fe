using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace Funnel.App.Storage;

/// <summary>
/// The app's tables. Connection: "AzureWebJobsStorage" as a connection string (Azurite, local), or
/// identity-based as the Functions host does it ("AzureWebJobsStorage:accountName", optional
/// ":tableServiceUri", ":credential" = managedidentity and ":clientId" for a user-assigned identity).
/// "Storage:TablePrefix" namespaces every table (tests give each test its own).
/// </summary>
internal sealed class FunnelTables
{
    public FunnelTables(IConfiguration configuration, StorageRequestCounter counter)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        options.Retry.MaxRetries = 3;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        Service = CreateService(configuration, options);
        var prefix = configuration["Storage:TablePrefix"] ?? "";
        Stores = Service.GetTableClient(prefix + "stores");
        Leads = Service.GetTableClient(prefix + "leads");
        Directory = Service.GetTableClient(prefix + "directory");
    }

    public TableServiceClient Service { get; }

    /// <summary>One partition per store: settings, clerks, groups, day counters, members, scan records.</summary>
    public TableClient Stores { get; }

    /// <summary>One partition per lead: the brand-wide profile and a link row per store the lead belongs to.</summary>
    public TableClient Leads { get; }

    /// <summary>Lists of things: every store, by id (for regions, pushes, leaderboards).</summary>
    public TableClient Directory { get; }

    public IEnumerable<TableClient> All => [Stores, Leads, Directory];

    private static TableServiceClient CreateService(IConfiguration configuration, TableClientOptions options)
    {
        var connectionString = configuration["AzureWebJobsStorage"];
        if (!string.IsNullOrWhiteSpace(connectionString)) return new TableServiceClient(connectionString, options);

        var section = configuration.GetSection("AzureWebJobsStorage");
        var account = section["accountName"];
        var uri = section["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        if (uri is null)
        {
            throw new InvalidOperationException(
                "No storage configured: set AzureWebJobsStorage to a connection string (UseDevelopmentStorage=true for Azurite) " +
                "or AzureWebJobsStorage__accountName for an identity-based connection.");
        }
        TokenCredential credential = section["credential"] == "managedidentity"
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } id
                ? ManagedIdentityId.FromUserAssignedClientId(id)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return new TableServiceClient(new Uri(uri), credential, options);
    }
}
