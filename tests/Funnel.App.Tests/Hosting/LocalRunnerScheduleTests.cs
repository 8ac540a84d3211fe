using Funnel.App.Journeys;
using Funnel.App.Triggers;

namespace Funnel.App.Tests.Hosting;

/// <summary>How often the local runner sweeps: on real time, as the TimerTrigger does.</summary>
public sealed class LocalRunnerScheduleTests
{
    [Theory]
    [InlineData(300, 1, 300)]      // every 5 minutes, as the JourneySweep function
    [InlineData(1, 1, 1)]          // a test's fast sweep stays fast
    [InlineData(300, 4320, 300)]   // the demo's clock: still every 5 real minutes, not 14 times a second
    [InlineData(0, 86400, 1)]      // never a busy loop
    public void Sweeps_on_real_time_like_the_timer_trigger(int intervalSeconds, double scale, double expectedSeconds)
    {
        var options = new JourneyOptions { SweepIntervalSeconds = intervalSeconds, TimeScale = scale };
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), LocalTriggerRunner.SweepInterval(options));
    }
}
