using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;

namespace Funnel.App.WeCom;

/// <summary>Where an outbound message stands: being sent, sent, failed (WeCom's reason), or unconfirmed (its sender stopped mid-call).</summary>
internal enum DeliveryStatus
{
    Sending,
    Sent,
    Failed,
    Unconfirmed,
}

/// <summary>One outbound message's marker, as the lead's history shows it.</summary>
internal sealed record DeliveryRecord(string MessageId, string Template, DeliveryStatus Status, string? Via, string? Reason, DateTimeOffset At, DateTimeOffset? DoneAt);

/// <summary>A store's delivery counts for one local day.</summary>
internal sealed record DeliveryDay(DateOnly Day, long Sent, long Failed, long Unconfirmed);

/// <summary>
/// The sent markers and delivery counts (table deliveries, PartitionKey = store id). A message is claimed by inserting
/// its marker "sending" (RowKey "m|{messageId}": the one marker a message can have), and finished by one entity-group
/// transaction that sets its outcome and adds it to the day's counts (RowKey "d|{yyyy-MM-dd}", the store's local day),
/// both conditional on what was read. So an outcome is counted exactly once, and a message with a marker is never
/// claimed, so never sent, again.
/// </summary>
internal sealed class DeliveryLedger(FunnelTables tables)
{
    private const string MarkerPrefix = "m|";
    private const string DayPrefix = "d|";
    private TableClient Table => tables.Deliveries;

    /// <summary>Inserts the message's marker "sending" (its ETag), or answers the marker it already has.</summary>
    public async Task<(ETag? Claimed, TableEntity? Existing)> ClaimAsync(OutboundMessage message, DateTimeOffset realNow, CancellationToken cancellationToken)
    {
        var marker = new TableEntity(message.StoreId, MarkerPrefix + message.MessageId)
        {
            ["LeadId"] = message.LeadId,
            ["Template"] = message.Template,
            ["Status"] = nameof(DeliveryStatus.Sending),
            ["At"] = message.At,
            ["StartedAt"] = realNow,
        };
        try
        {
            var added = await Table.AddEntityAsync(marker, cancellationToken);
            return (added.Headers.ETag, null);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await Table.GetEntityAsync<TableEntity>(message.StoreId, marker.RowKey, cancellationToken: cancellationToken);
            return (null, existing.Value);
        }
    }

    /// <summary>Removes a claim WeCom certainly did nothing with (it answered "busy" or was not reached), so a later delivery may try again.</summary>
    public async Task ReleaseAsync(OutboundMessage message, ETag claimed, CancellationToken cancellationToken) =>
        await Table.DeleteEntityAsync(message.StoreId, MarkerPrefix + message.MessageId, claimed, cancellationToken);

    /// <summary>
    /// Records the outcome of the claim <paramref name="claimed"/> and counts it on <paramref name="day"/>, in one
    /// transaction. False when the marker is no longer as claimed (another delivery finished it).
    /// </summary>
    public async Task<bool> FinishAsync(
        OutboundMessage message, ETag claimed, DeliveryStatus status, string? via, string? reason, DateTimeOffset doneAt, DateOnly day, CancellationToken cancellationToken)
    {
        var marker = new TableEntity(message.StoreId, MarkerPrefix + message.MessageId)
        {
            ["Status"] = status.ToString(),
            ["Via"] = via,
            ["Reason"] = reason,
            ["DoneAt"] = doneAt,
        };
        var counter = status.ToString();
        for (var attempt = 0; ; attempt++)
        {
            var dayKey = DayPrefix + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var found = await Table.GetEntityIfExistsAsync<TableEntity>(message.StoreId, dayKey, cancellationToken: cancellationToken);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateMerge, marker, claimed) };
            if (found.HasValue)
            {
                var counts = new TableEntity(message.StoreId, dayKey) { [counter] = (found.Value!.GetInt64(counter) ?? 0) + 1 };
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, counts, found.Value.ETag));
            }
            else
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(message.StoreId, dayKey) { [counter] = 1L }));
            }
            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex == 0 && e.Status is 412 or 404)
            {
                return false;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // Another message of the store counted on the same day meanwhile: read the day again.
            }
        }
    }

    /// <summary>
    /// Records the outcome of the claim without counting it on a day (the outbound log's messages: the store's day counts
    /// are WeCom's). One conditional merge; false when the marker is no longer as claimed.
    /// </summary>
    public async Task<bool> FinishUncountedAsync(OutboundMessage message, ETag claimed, DeliveryStatus status, string? via, string? reason, DateTimeOffset doneAt,
        CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpdateEntityAsync(new TableEntity(message.StoreId, MarkerPrefix + message.MessageId)
            {
                ["Status"] = status.ToString(), ["Via"] = via, ["Reason"] = reason, ["DoneAt"] = doneAt,
            }, claimed, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>The lead's messages at the store, oldest first (message ids start with "{store}:{lead}:").</summary>
    public async Task<List<DeliveryRecord>> ForLeadAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var from = $"{MarkerPrefix}{storeId}:{leadId}:";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {storeId} and RowKey ge {from} and RowKey lt {from[..^1] + ";"}");
        var records = new List<DeliveryRecord>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            records.Add(new DeliveryRecord(row.RowKey[MarkerPrefix.Length..], row.GetString("Template") ?? "", Enum.Parse<DeliveryStatus>(row.GetString("Status") ?? nameof(DeliveryStatus.Sending)),
                row.GetString("Via"), row.GetString("Reason"), row.GetDateTimeOffset("At") ?? default, row.GetDateTimeOffset("DoneAt")));
        }
        return [.. records.OrderBy(r => r.At)];
    }

    /// <summary>The store's delivery counts on the local days from <paramref name="from"/> to <paramref name="to"/>, days without any left out.</summary>
    public async Task<List<DeliveryDay>> DaysAsync(string storeId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        string Key(DateOnly d) => DayPrefix + d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {storeId} and RowKey ge {Key(from)} and RowKey le {Key(to)}");
        var days = new List<DeliveryDay>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            days.Add(new DeliveryDay(DateOnly.ParseExact(row.RowKey[DayPrefix.Length..], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                row.GetInt64(nameof(DeliveryStatus.Sent)) ?? 0, row.GetInt64(nameof(DeliveryStatus.Failed)) ?? 0, row.GetInt64(nameof(DeliveryStatus.Unconfirmed)) ?? 0));
        }
        return days;
    }
}
