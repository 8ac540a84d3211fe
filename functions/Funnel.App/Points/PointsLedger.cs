using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Points;

namespace Funnel.App.Points;

/// <summary>One ledger entry: what moved the balance, by how much, why, and the balance after it.</summary>
/// <param name="Seq">Its place in the ledger (1 for the first entry applied): the order entries were applied in.</param>
internal sealed record PointsEntry(long Seq, string SourceId, string Kind, long Points, string Reason, DateTimeOffset At, long BalanceAfter, long DebtAfter);

/// <summary>What applying a change came to: applied now, applied before (the same source id), or refused (the balance does not hold a spend).</summary>
internal enum LedgerOutcome
{
    Applied,
    Repeated,
    Refused,
}

/// <summary>
/// A lead's points ledger (table points, PartitionKey = lead id, brand-wide): one entry per source event (RowKey
/// "e|{source id}": a scan, a purchase, a refund, a redemption) and the balance row ("balance"), written together in
/// one entity-group transaction conditional on the balance as read. So a change applies exactly once however often
/// its event is delivered (the entry's insert fails the second time), the balance is always the entries' sum, and
/// concurrent spends never overdraw (the second writer's balance is stale and it reads again). Each change costs two
/// requests: one query that reads the balance and the entry together, and the transaction. Changes to one lead in this
/// instance wait their turn (a gate per lead) rather than race each other's ETags: 32 redemptions at once on one lead
/// took 32 requests each and some gave up; the conditional write still guards against other instances.
/// </summary>
internal sealed class PointsLedger(FunnelTables tables)
{
    private const string BalanceKey = "balance";
    private const string EntryPrefix = "e|";
    private const int MaxAttempts = 100;
    private readonly KeyedGate _gate = new();

    /// <param name="change">
    /// The balance after the change and the points it moves (negative for a spend or take-back), from the balance
    /// before it, and a reason that replaces <paramref name="reason"/> (null: keep it); null: refused.
    /// </param>
    public Task<(LedgerOutcome Outcome, PointsBalance Balance, PointsEntry? Entry)> ApplyAsync(
        string leadId, string sourceId, string kind, string reason, DateTimeOffset at,
        Func<PointsBalance, (PointsBalance After, long Points, string? Reason)?> change, CancellationToken cancellationToken) =>
        _gate.RunAsync(leadId, () => ApplyNowAsync(leadId, sourceId, kind, reason, at, change, cancellationToken), cancellationToken);

    private async Task<(LedgerOutcome Outcome, PointsBalance Balance, PointsEntry? Entry)> ApplyNowAsync(
        string leadId, string sourceId, string kind, string reason, DateTimeOffset at,
        Func<PointsBalance, (PointsBalance After, long Points, string? Reason)?> change, CancellationToken cancellationToken)
    {
        var entryKey = EntryPrefix + sourceId;
        for (var attempt = 1; ; attempt++)
        {
            var (balance, entries, etag, existing) = await ReadAsync(leadId, entryKey, cancellationToken);
            if (existing is not null) return (LedgerOutcome.Repeated, balance, existing);
            if (change(balance) is not { } changed) return (LedgerOutcome.Refused, balance, null);
            var entry = new PointsEntry(entries + 1, sourceId, kind, changed.Points, changed.Reason ?? reason, at, changed.After.Balance, changed.After.Debt);
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, EntryRow(leadId, entry)),
                etag is { } known
                    ? new(TableTransactionActionType.UpdateReplace, BalanceRow(leadId, changed.After, entry.Seq), known)
                    : new(TableTransactionActionType.Add, BalanceRow(leadId, changed.After, entry.Seq)),
            };
            try
            {
                await tables.Points.SubmitTransactionAsync(actions, cancellationToken);
                return (LedgerOutcome.Applied, changed.After, entry);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // The entry came meanwhile (a concurrent delivery: the next read finds it), or the balance moved: read again.
            }
        }
    }

    /// <summary>The balance (empty for a lead without points).</summary>
    public async Task<PointsBalance> BalanceAsync(string leadId, CancellationToken cancellationToken)
    {
        var row = await tables.Points.GetEntityIfExistsAsync<TableEntity>(leadId, BalanceKey, cancellationToken: cancellationToken);
        return row.HasValue ? BalanceOf(row.Value!) : PointsBalance.Empty;
    }

    /// <summary>Point reads of many balances at once, at most this many in flight.</summary>
    public const int MaxParallelReads = 32;

    /// <summary>The balances of <paramref name="leadIds"/>, in their order: a point read each, <see cref="MaxParallelReads"/> at a time.</summary>
    public async Task<PointsBalance[]> BalancesAsync(IReadOnlyList<string> leadIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leadIds);
        var balances = new PointsBalance[leadIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, leadIds.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads, CancellationToken = cancellationToken },
            async (i, ct) => balances[i] = await BalanceAsync(leadIds[i], ct));
        return balances;
    }

    /// <summary>The entry a source event made, if any.</summary>
    public async Task<PointsEntry?> EntryAsync(string leadId, string sourceId, CancellationToken cancellationToken)
    {
        var row = await tables.Points.GetEntityIfExistsAsync<TableEntity>(leadId, EntryPrefix + sourceId, cancellationToken: cancellationToken);
        return row.HasValue ? EntryOf(row.Value!) : null;
    }

    /// <summary>The balance and every entry, newest first.</summary>
    public async Task<(PointsBalance Balance, List<PointsEntry> Entries)> ReadAllAsync(string leadId, CancellationToken cancellationToken)
    {
        var balance = PointsBalance.Empty;
        var entries = new List<PointsEntry>();
        await foreach (var row in tables.Points.QueryAsync<TableEntity>(r => r.PartitionKey == leadId, cancellationToken: cancellationToken))
        {
            if (row.RowKey == BalanceKey) balance = BalanceOf(row);
            else if (row.RowKey.StartsWith(EntryPrefix, StringComparison.Ordinal)) entries.Add(EntryOf(row));
        }
        return (balance, [.. entries.OrderByDescending(e => e.Seq)]);
    }

    /// <summary>The balance row (with how many entries the ledger has) and the source's entry, in one query.</summary>
    private async Task<(PointsBalance Balance, long Entries, ETag? ETag, PointsEntry? Entry)> ReadAsync(string leadId, string entryKey, CancellationToken cancellationToken)
    {
        var balance = PointsBalance.Empty;
        var entries = 0L;
        ETag? etag = null;
        PointsEntry? entry = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {leadId} and (RowKey eq {BalanceKey} or RowKey eq {entryKey})");
        await foreach (var row in tables.Points.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == BalanceKey) (balance, entries, etag) = (BalanceOf(row), row.GetInt64("Entries") ?? 0, row.ETag);
            else entry = EntryOf(row);
        }
        return (balance, entries, etag, entry);
    }

    private static TableEntity BalanceRow(string leadId, PointsBalance b, long entries) => new(leadId, BalanceKey)
    {
        ["Balance"] = b.Balance, ["Earned"] = b.Earned, ["Spent"] = b.Spent, ["Debt"] = b.Debt, ["Entries"] = entries,
        ["ReferralDay"] = b.ReferralDay?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["ReferralsThatDay"] = b.ReferralsThatDay,
        ["Referrals"] = b.Referrals, ["Trials"] = b.Trials, ["ExpiryScheduled"] = b.ExpiryScheduled,
    };

    private static PointsBalance BalanceOf(TableEntity row) =>
        new(row.GetInt64("Balance") ?? 0, row.GetInt64("Earned") ?? 0, row.GetInt64("Spent") ?? 0, row.GetInt64("Debt") ?? 0,
            row.GetString("ReferralDay") is { } day ? DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null,
            row.GetInt32("ReferralsThatDay") ?? 0, row.GetInt64("Referrals") ?? 0, row.GetInt64("Trials") ?? 0,
            row.GetBoolean("ExpiryScheduled") ?? false);

    private static TableEntity EntryRow(string leadId, PointsEntry e) => new(leadId, EntryPrefix + e.SourceId)
    {
        ["Seq"] = e.Seq, ["Kind"] = e.Kind, ["Points"] = e.Points, ["Reason"] = e.Reason, ["At"] = e.At, ["BalanceAfter"] = e.BalanceAfter, ["DebtAfter"] = e.DebtAfter,
    };

    private static PointsEntry EntryOf(TableEntity row) => new(row.GetInt64("Seq") ?? 0, row.RowKey[EntryPrefix.Length..], row.GetString("Kind") ?? "", row.GetInt64("Points") ?? 0,
        row.GetString("Reason") ?? "", row.GetDateTimeOffset("At") ?? default, row.GetInt64("BalanceAfter") ?? 0, row.GetInt64("DebtAfter") ?? 0);
}
