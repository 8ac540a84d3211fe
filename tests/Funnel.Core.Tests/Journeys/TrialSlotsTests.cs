using Funnel.Core.Journeys;

namespace Funnel.Core.Tests.Journeys;

public class TrialSlotsTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public void Offers_whole_local_hours_in_opening_hours_with_an_hour_of_notice()
    {
        // 16:20 in Shanghai: 17:20 is the earliest, so 18:00 and 19:00 today, then from 10:00 tomorrow.
        var now = new DateTimeOffset(2026, 11, 23, 8, 20, 0, TimeSpan.Zero);
        var slots = TrialSlots.Next(now, Shanghai, 4);
        Assert.Equal(
            ["2026-11-23 18:00", "2026-11-23 19:00", "2026-11-24 10:00", "2026-11-24 11:00"],
            slots.Select(s => TimeZoneInfo.ConvertTime(s, Shanghai).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(slots, s => Assert.Equal(TimeSpan.Zero, s.Offset));
    }

    [Fact]
    public void Before_opening_the_first_slot_is_opening_time_and_an_exact_hour_counts()
    {
        var zone = TimeZoneInfo.Utc;
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), TrialSlots.Next(new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero), zone, 1)[0]);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero), TrialSlots.Next(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), zone, 1)[0]);
    }

    [Fact]
    public void Follows_the_local_clock_across_a_daylight_saving_change()
    {
        // Europe/Berlin moves to UTC+2 on 2026-03-29: 10:00 local is 08:00 UTC that day.
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var slots = TrialSlots.Next(new DateTimeOffset(2026, 3, 28, 20, 0, 0, TimeSpan.Zero), berlin, 2);
        Assert.Equal([new DateTimeOffset(2026, 3, 29, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 29, 9, 0, 0, TimeSpan.Zero)], slots);
    }
}
