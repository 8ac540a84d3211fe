using Azure.Core;
using Azure.Data.Tables;

namespace Funnel.App.Storage;

/// <summary>The app's tables (see <see cref="StorageConnection"/> for how they are reached).</summary>
internal sealed class FunnelTables
{
    public FunnelTables(StorageConnection connection, StorageRequestCounter counter)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(counter);
        var options = counter.Apply(new TableClientOptions());
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        Service = connection.ConnectionString is { } cs
            ? new TableServiceClient(cs, options)
            : new TableServiceClient(connection.TableUri!, connection.Credential, options);
        Stores = Service.GetTableClient(connection.TablePrefix + "stores");
        Leads = Service.GetTableClient(connection.TablePrefix + "leads");
        Directory = Service.GetTableClient(connection.TablePrefix + "directory");
        Campaigns = Service.GetTableClient(connection.TablePrefix + "campaigns");
        Identities = Service.GetTableClient(connection.TablePrefix + "identities");
        Deliveries = Service.GetTableClient(connection.TablePrefix + "deliveries");
        Points = Service.GetTableClient(connection.TablePrefix + "points");
        Kocs = Service.GetTableClient(connection.TablePrefix + "kocs");
        People = Service.GetTableClient(connection.TablePrefix + "people");
        Audit = Service.GetTableClient(connection.TablePrefix + "audit");
        Segments = Service.GetTableClient(connection.TablePrefix + "segments");
        Broadcasts = Service.GetTableClient(connection.TablePrefix + "broadcasts");
    }

    public TableServiceClient Service { get; }

    /// <summary>One partition per store: settings, clerks, groups, day counters, members, purchase records.</summary>
    public TableClient Stores { get; }

    /// <summary>One row per lead: when and where first seen, and the stores it belongs to.</summary>
    public TableClient Leads { get; }

    /// <summary>Lists of things: every store, by id (for regions, pushes, leaderboards).</summary>
    public TableClient Directory { get; }

    /// <summary>One partition per campaign: the campaign, its assets, its pushes, and one row per store and asset assigned.</summary>
    public TableClient Campaigns { get; }

    /// <summary>One partition per lead: its channel identities, sealed (<see cref="WeCom.WeComIdentities"/>).</summary>
    public TableClient Identities { get; }

    /// <summary>One partition per store: a sent marker per outbound message, and the day's delivery counts (<see cref="WeCom.DeliveryLedger"/>).</summary>
    public TableClient Deliveries { get; }

    /// <summary>One partition per lead (brand-wide): its points balance and ledger entries (<see cref="Points.PointsLedger"/>).</summary>
    public TableClient Points { get; }

    /// <summary>One partition per store: its KOCs' profiles, monthly cards, credit entries and assessments (<see cref="Kocs.KocLedger"/>).</summary>
    public TableClient Kocs { get; }

    /// <summary>One partition per lead: its consent (state and history) and the broadcasts it received; partition "~erasing": erasures under way (<see cref="Audience.PeopleStore"/>).</summary>
    public TableClient People { get; }

    /// <summary>Staff actions on a lead's data, twice: partition "lead|{leadId}" and "day|{yyyy-MM-dd}" (<see cref="Audience.AuditLog"/>).</summary>
    public TableClient Audit { get; }

    /// <summary>Partition "segment": one row per saved segment.</summary>
    public TableClient Segments { get; }

    /// <summary>One partition per broadcast: its header and one row per targeted lead, in batches (<see cref="Audience.BroadcastStore"/>).</summary>
    public TableClient Broadcasts { get; }

    public IEnumerable<TableClient> All => [Stores, Leads, Directory, Campaigns, Identities, Deliveries, Points, Kocs, People, Audit, Segments, Broadcasts];
}
