using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Points;

namespace Funnel.App.Points;

/// <summary>
/// HQ's points rules, every version kept (directory partition "points-rules", RowKey = its effective time, sortable),
/// cached in each instance for <see cref="CacheSeconds"/>. A new version takes effect at least that long after it is
/// saved, so every instance has read it before any event it applies to: an award never depends on which instance
/// handled its event. Awards then cost no request for the rules.
/// </summary>
internal sealed class PointsProgramme(FunnelTables tables)
{
    private const string Partition = "points-rules";
    public const int CacheSeconds = 30;
    private (List<PointsRules> Versions, long ReadAt)? _cache;

    public async Task<IReadOnlyList<PointsRules>> VersionsAsync(CancellationToken cancellationToken)
    {
        if (_cache is { } cached && Stopwatch.GetElapsedTime(cached.ReadAt) < TimeSpan.FromSeconds(CacheSeconds)) return cached.Versions;
        var versions = new List<PointsRules>();
        await foreach (var row in tables.Directory.QueryAsync<TableEntity>(r => r.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            versions.Add(new PointsRules(row.GetInt32("Joining") ?? 0, row.GetInt32("TrialCompleted") ?? 0, row.GetInt32("ShareRecruited") ?? 0,
                decimal.Parse(row.GetString("PerUnitAmount") ?? "0", CultureInfo.InvariantCulture), row.GetDateTimeOffset("EffectiveFrom") ?? default)
            {
                ReferralDailyCap = row.GetInt32("ReferralDailyCap") ?? 10,
                ExpireAfterDays = row.GetInt32("ExpireAfterDays") ?? 0,
            });
        }
        versions.Sort((a, b) => a.EffectiveFrom.CompareTo(b.EffectiveFrom));
        _cache = (versions, Stopwatch.GetTimestamp());
        return versions;
    }

    public async Task<PointsRules> InEffectAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        PointsRules.InEffect(await VersionsAsync(cancellationToken), at);

    /// <summary>Saves a version (the same effective time again replaces it) and drops this instance's cache.</summary>
    public async Task SaveAsync(PointsRules rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await tables.Directory.UpsertEntityAsync(new TableEntity(Partition, rules.EffectiveFrom.UtcTicks.ToString("D19", CultureInfo.InvariantCulture))
        {
            ["Joining"] = rules.Joining, ["TrialCompleted"] = rules.TrialCompleted, ["ShareRecruited"] = rules.ShareRecruited,
            ["PerUnitAmount"] = rules.PerUnitAmount.ToString(CultureInfo.InvariantCulture), ["EffectiveFrom"] = rules.EffectiveFrom,
            ["ReferralDailyCap"] = rules.ReferralDailyCap, ["ExpireAfterDays"] = rules.ExpireAfterDays,
        }, TableUpdateMode.Replace, cancellationToken);
        _cache = null;
    }
}
