using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.WeCom;

namespace Funnel.App.WeCom;

/// <summary>
/// A clerk's code as a WeCom "contact me" way (联系我): made once per code through the API, kept in the directory
/// table (partition "wecom-way", row = the way's state) with the code it stands for, and found again by the state a
/// customer-added callback carries. The clerk's WeCom UserID is their clerk id (set clerk ids to WeCom UserIDs when
/// the channel is on).
/// </summary>
internal sealed class WeComWays(WeComClient client, FunnelTables tables, CodeSigner signer)
{
    private const string Partition = "wecom-way";

    /// <summary>The way for a clerk's code: the stored one, or a new one from WeCom.</summary>
    public async Task<ContactWay> EnsureAsync(EntryCode code, string codeText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        var state = WeComIds.StateFor(codeText);
        if (await ReadAsync(state, cancellationToken) is { } stored) return stored.Way;
        var way = await client.AddContactWayAsync(code.ClerkId!, state, $"{code.StoreId} {code.ClerkId} {code.Channel}", cancellationToken);
        return await SaveAsync(state, codeText, code, way, cancellationToken);
    }

    /// <summary>
    /// Keeps a way WeCom made for a code. The same code asked for at the same moment: the first way stored is the
    /// code's (the other stays unused in WeCom).
    /// </summary>
    public async Task<ContactWay> SaveAsync(string state, string codeText, EntryCode code, ContactWay way, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        try
        {
            await tables.Directory.AddEntityAsync(new TableEntity(Partition, state)
            {
                ["Code"] = codeText,
                ["StoreId"] = code.StoreId,
                ["ClerkId"] = code.ClerkId,
                ["ConfigId"] = way.ConfigId,
                ["QrCode"] = way.QrCode,
            }, cancellationToken);
            return way;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await ReadAsync(state, cancellationToken))!.Value.Way;
        }
    }

    /// <summary>The way stored for a code's state, if any.</summary>
    public async Task<ContactWay?> GetAsync(string state, CancellationToken cancellationToken) =>
        await ReadAsync(state, cancellationToken) is { } stored ? stored.Way : null;

    /// <summary>The code a callback's state stands for, or null when the state is not one of Funnel's ways.</summary>
    public async Task<EntryCode?> FindAsync(string state, CancellationToken cancellationToken)
    {
        if (state.Length is 0 or > WeComIds.MaxStateLength || !Core.Ids.IsValid(state)) return null;
        return await ReadAsync(state, cancellationToken) is { } stored && signer.TryVerify(stored.Code, out var code, out _) ? code : null;
    }

    private async Task<(ContactWay Way, string Code)?> ReadAsync(string state, CancellationToken cancellationToken)
    {
        var row = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(Partition, state, cancellationToken: cancellationToken);
        return row.HasValue ? (new ContactWay(row.Value!.GetString("ConfigId"), row.Value.GetString("QrCode")), row.Value.GetString("Code")) : null;
    }
}
