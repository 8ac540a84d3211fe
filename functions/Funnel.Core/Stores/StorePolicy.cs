namespace Funnel.Core.Stores;

/// <summary>A store's settings that the scan rules depend on.</summary>
public sealed record StorePolicy(int GroupCapacity, int MaxGroupsPerTier, TimeZoneInfo TimeZone)
{
    /// <summary>The size at which joining a group by QR stops in the messaging apps stores use.</summary>
    public const int DefaultGroupCapacity = 200;
    public const int DefaultMaxGroupsPerTier = 20;
    public const int MaxGroupCapacity = 10_000;
    public const int MaxMaxGroupsPerTier = 500;

    /// <summary>A trial cohort (tier small) is 10–20 people.</summary>
    public const int DefaultCohortCapacity = 20;
    public const int MinCohortCapacity = 10;
    public const int MaxCohortCapacity = 20;

    public int CohortCapacity { get; init; } = DefaultCohortCapacity;

    /// <summary>Seats in a new group of <paramref name="tier"/>: cohorts are small, every other tier takes the store's group size.</summary>
    public int CapacityOf(Groups.GroupTier tier) => tier == Groups.GroupTier.Small ? CohortCapacity : GroupCapacity;

    /// <summary>The calendar day in the store's own time zone: counters and funnels are per local day.</summary>
    public DateOnly LocalDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZone).DateTime);
}
