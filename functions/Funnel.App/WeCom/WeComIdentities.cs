using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.WeCom;

namespace Funnel.App.WeCom;

/// <summary>The WeCom side of a lead, as the channel adapter needs it: the customer to send to, and the add event's welcome code.</summary>
internal sealed record WeComContact(string ExternalUserId, string? ClerkId, string? WelcomeCode);

/// <summary>
/// The identity vault (docs/security.md): the only place a lead's WeCom external user id is kept, sealed
/// (<see cref="IdentitySeal"/>) in the identities table, PartitionKey = lead id, RowKey "wecom". Written by the
/// customer-added callback before the scan it causes (so the journey's first message finds it), read only by the
/// channel adapter when it sends.
/// </summary>
internal sealed class WeComIdentities(FunnelTables tables, IdentitySeal seal)
{
    private const string RowKey = "wecom";

    public async Task SaveAsync(string leadId, WeComContact contact, CancellationToken cancellationToken)
    {
        var row = new TableEntity(leadId, RowKey)
        {
            ["Sealed"] = seal.Seal(leadId, contact.ExternalUserId),
            ["ClerkId"] = contact.ClerkId,
            ["WelcomeCode"] = contact.WelcomeCode is null ? null : seal.Seal(leadId, contact.WelcomeCode),
        };
        await tables.Identities.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The lead's WeCom contact, or null when it has none (a web scan) or its sealed id does not open.</summary>
    public async Task<WeComContact?> FindAsync(string leadId, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> found = await tables.Identities.GetEntityIfExistsAsync<TableEntity>(leadId, RowKey, cancellationToken: cancellationToken);
        if (!found.HasValue || seal.Open(leadId, found.Value!.GetString("Sealed")) is not { } externalUserId) return null;
        return new WeComContact(externalUserId, found.Value.GetString("ClerkId"), seal.Open(leadId, found.Value.GetString("WelcomeCode")));
    }
}
