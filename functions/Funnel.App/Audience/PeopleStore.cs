using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Audience;

namespace Funnel.App.Audience;

/// <summary>One consent choice, as recorded: what, on which channel, when, how (a page, a WeCom event, a staff action) and the text agreed to.</summary>
internal sealed record ConsentRecord(string Choice, string Channel, DateTimeOffset At, string Via, string? TextVersion);

/// <summary>
/// A lead's own partition in table "people" (PartitionKey = leadId): "consent" (the state now, with the number of
/// choices made), "consent|{n:0000000000}" (every choice, oldest first) and "received" (the broadcasts it got lately: the frequency cap, and conversions within
/// a broadcast's window). Partition "~erasing" holds one row per erasure under way.
/// </summary>
internal sealed class PeopleStore(FunnelTables tables)
{
    public const string ErasingPartition = "~erasing";
    private const string ConsentKey = "consent";
    private const string HistoryPrefix = "consent|";
    private const string ReceivedKey = "received";
    private const int MaxAttempts = 10;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ConsentState> ConsentAsync(string leadId, CancellationToken cancellationToken) =>
        (await ReadConsentAsync(leadId, cancellationToken)).State;

    private async Task<(ConsentState State, ETag? ETag, int Choices)> ReadConsentAsync(string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.People.GetEntityIfExistsAsync<TableEntity>(leadId, ConsentKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return (ConsentState.Default, null, 0);
        return (ToConsent(row.Value!), row.Value!.ETag, row.Value.GetInt32("Choices") ?? 0);
    }

    /// <summary>Records a choice and the state it leads to, in one transaction conditional on the state read.</summary>
    public async Task<(ConsentState Before, ConsentState After)> RecordAsync(string leadId, ConsentRecord record, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (before, etag, choices) = await ReadConsentAsync(leadId, cancellationToken);
            var after = before.After(record.Choice == "in", record.Channel, record.At, record.Via, record.TextVersion);
            var state = new TableEntity(leadId, ConsentKey)
            {
                ["OptedOut"] = after.OptedOut, ["Channels"] = string.Join(',', after.ChannelsOptedOut), ["Since"] = after.Since, ["Via"] = after.Via,
                ["TextVersion"] = after.TextVersion, ["Choices"] = choices + 1,
            };
            var history = new TableEntity(leadId, string.Create(CultureInfo.InvariantCulture, $"{HistoryPrefix}{choices + 1:D10}"))
            {
                ["Choice"] = record.Choice, ["Channel"] = record.Channel, ["At"] = record.At, ["Via"] = record.Via, ["TextVersion"] = record.TextVersion,
            };
            TableTransactionAction write = etag is { } known
                ? new(TableTransactionActionType.UpdateReplace, state, known)
                : new(TableTransactionActionType.Add, state);
            try
            {
                await tables.People.SubmitTransactionAsync([write, new(TableTransactionActionType.Add, history)], cancellationToken);
                return (before, after);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // another choice at the same moment: read again
            }
        }
    }

    public async Task<List<ConsentRecord>> HistoryAsync(string leadId, CancellationToken cancellationToken)
    {
        var records = new List<ConsentRecord>();
        await foreach (var e in tables.People.QueryAsync<TableEntity>(StoreRows.PrefixFilter(leadId, HistoryPrefix), cancellationToken: cancellationToken))
        {
            records.Add(new ConsentRecord(e.GetString("Choice") ?? "", e.GetString("Channel") ?? "", e.GetDateTimeOffset("At") ?? default, e.GetString("Via") ?? "", e.GetString("TextVersion")));
        }
        return records;
    }

    /// <summary>The consent and the broadcasts received, in one query (both rows of the lead's partition).</summary>
    public async Task<(ConsentState Consent, IReadOnlyList<Received> Received, ETag? ReceivedETag)> StateAsync(string leadId, CancellationToken cancellationToken)
    {
        var consent = ConsentState.Default;
        IReadOnlyList<Received> received = [];
        ETag? etag = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {leadId} and (RowKey eq {ConsentKey} or RowKey eq {ReceivedKey})");
        await foreach (var e in tables.People.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (e.RowKey == ConsentKey) consent = ToConsent(e);
            else (received, etag) = (ToReceived(e), e.ETag);
        }
        return (consent, received, etag);
    }

    public async Task<(IReadOnlyList<Received> Received, ETag? ETag)> ReceivedAsync(string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.People.GetEntityIfExistsAsync<TableEntity>(leadId, ReceivedKey, cancellationToken: cancellationToken);
        if (!row.HasValue) return ([], null);
        return (ToReceived(row.Value!), row.Value!.ETag);
    }

    /// <summary>Writes the broadcasts received, conditional on what was read; false when it changed meanwhile (read and decide again).</summary>
    public async Task<bool> TryRememberAsync(string leadId, IReadOnlyList<Received> received, ETag? etag, CancellationToken cancellationToken)
    {
        var row = new TableEntity(leadId, ReceivedKey) { ["Broadcasts"] = JsonSerializer.Serialize(received, Json) };
        try
        {
            if (etag is { } known) await tables.People.UpdateEntityAsync(row, known, TableUpdateMode.Replace, cancellationToken);
            else await tables.People.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes every row of the lead's partition (erasure).</summary>
    public Task DeleteAllAsync(string leadId, CancellationToken cancellationToken) => Rows.DeletePartitionAsync(tables.People, leadId, cancellationToken);

    /// <summary>An erasure begins: the stores it must visit are written first, so a resumed erasure finds them after the lead's index is gone.</summary>
    public Task MarkErasingAsync(string leadId, IReadOnlyList<string> storeIds, DateTimeOffset at, CancellationToken cancellationToken) =>
        tables.People.UpsertEntityAsync(new TableEntity(ErasingPartition, leadId) { ["Stores"] = string.Join(',', storeIds), ["StartedAt"] = at },
            TableUpdateMode.Merge, cancellationToken);

    public async Task<(IReadOnlyList<string> Stores, DateTimeOffset StartedAt)?> ErasingAsync(string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.People.GetEntityIfExistsAsync<TableEntity>(ErasingPartition, leadId, cancellationToken: cancellationToken);
        return row.HasValue ? (Split(row.Value!.GetString("Stores")), row.Value.GetDateTimeOffset("StartedAt") ?? default) : null;
    }

    public async Task<List<(string LeadId, DateTimeOffset StartedAt)>> PendingErasuresAsync(CancellationToken cancellationToken)
    {
        var pending = new List<(string, DateTimeOffset)>();
        await foreach (var e in tables.People.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ErasingPartition}"), cancellationToken: cancellationToken))
        {
            pending.Add((e.RowKey, e.GetDateTimeOffset("StartedAt") ?? default));
        }
        return pending;
    }

    public Task ClearErasingAsync(string leadId, CancellationToken cancellationToken) =>
        tables.People.DeleteEntityAsync(ErasingPartition, leadId, ETag.All, cancellationToken);

    private static ConsentState ToConsent(TableEntity e) =>
        new(e.GetBoolean("OptedOut") ?? false, Split(e.GetString("Channels")), e.GetDateTimeOffset("Since"), e.GetString("Via"), e.GetString("TextVersion"));

    private static List<Received> ToReceived(TableEntity e) => JsonSerializer.Deserialize<List<Received>>(e.GetString("Broadcasts") ?? "[]", Json) ?? [];

    private static string[] Split(string? s) => string.IsNullOrEmpty(s) ? [] : s.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Row helpers the data-rights code shares.</summary>
internal static class Rows
{
    /// <summary>Deletes the rows a filter finds, in transactions of up to 100 (a deleted row is no error: this runs again after a crash).</summary>
    public static async Task<int> DeleteWhereAsync(TableClient table, string filter, CancellationToken cancellationToken, Func<TableEntity, bool>? only = null)
    {
        var keys = new List<(string Pk, string Rk)>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (only is null || only(e)) keys.Add((e.PartitionKey, e.RowKey));
        }
        foreach (var batch in keys.GroupBy(k => k.Pk).SelectMany(g => g.Chunk(100)))
        {
            try
            {
                await table.SubmitTransactionAsync(batch.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(k.Pk, k.Rk), ETag.All)), cancellationToken);
            }
            catch (TableTransactionFailedException)
            {
                // one of them went meanwhile: the rest one by one
                foreach (var (pk, rk) in batch) await table.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken);
            }
        }
        return keys.Count;
    }

    public static Task<int> DeletePartitionAsync(TableClient table, string partitionKey, CancellationToken cancellationToken) =>
        DeleteWhereAsync(table, TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), cancellationToken);
}
