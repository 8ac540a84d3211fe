namespace Funnel.Core.Journeys;

/// <summary>
/// The guided-trial slots a shopper is offered: whole hours in the store's opening hours (local time), starting
/// at least <see cref="MinNotice"/> from now, so a clerk can prepare. Pure: the store's time zone and the app's
/// clock come in.
/// </summary>
public static class TrialSlots
{
    public const int OpensAtHour = 10;
    public const int LastSlotHour = 19;
    public static readonly TimeSpan MinNotice = TimeSpan.FromHours(1);

    public static IReadOnlyList<DateTimeOffset> Next(DateTimeOffset now, TimeZoneInfo zone, int count)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var earliest = TimeZoneInfo.ConvertTime(now + MinNotice, zone);
        var hour = new DateTime(earliest.Year, earliest.Month, earliest.Day, earliest.Hour, 0, 0, DateTimeKind.Unspecified);
        if (hour < earliest.DateTime) hour = hour.AddHours(1);

        var slots = new List<DateTimeOffset>(count);
        while (slots.Count < count)
        {
            if (hour.Hour is >= OpensAtHour and <= LastSlotHour && !zone.IsInvalidTime(hour))
            {
                slots.Add(new DateTimeOffset(hour, zone.GetUtcOffset(hour)).ToUniversalTime());
            }
            hour = hour.Hour < OpensAtHour ? hour.Date.AddHours(OpensAtHour) : hour.Hour >= LastSlotHour ? hour.Date.AddDays(1).AddHours(OpensAtHour) : hour.AddHours(1);
        }
        return slots;
    }
}
