using System.Globalization;

namespace Funnel.Core.Kocs;

/// <summary>A calendar month in a store's own time zone ("yyyy-MM"): KOC scorecards and assessments are per local month.</summary>
public readonly record struct KocMonth(int Year, int Month) : IComparable<KocMonth>
{
    public static KocMonth Of(DateOnly localDay) => new(localDay.Year, localDay.Month);

    public static KocMonth Of(DateTimeOffset at, TimeZoneInfo zone) => Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime));

    public static bool TryParse(string? text, out KocMonth month)
    {
        month = default;
        if (!DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return false;
        month = Of(day);
        return true;
    }

    public KocMonth Next => Month == 12 ? new(Year + 1, 1) : new(Year, Month + 1);

    /// <summary>The moment the month starts in <paramref name="zone"/> (local midnight of its first day; a midnight a clock change skips is taken as 01:00).</summary>
    public DateTimeOffset StartIn(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = new DateTime(Year, Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddHours(1);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The moment the month ends in <paramref name="zone"/>: the next month's start.</summary>
    public DateTimeOffset EndIn(TimeZoneInfo zone) => Next.StartIn(zone);

    public int CompareTo(KocMonth other) => (Year, Month).CompareTo((other.Year, other.Month));

    public static bool operator <(KocMonth a, KocMonth b) => a.CompareTo(b) < 0;
    public static bool operator >(KocMonth a, KocMonth b) => a.CompareTo(b) > 0;
    public static bool operator <=(KocMonth a, KocMonth b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KocMonth a, KocMonth b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Year:D4}-{Month:D2}";
}
