using Funnel.App.Journeys;
using Funnel.App.Triggers;

namespace Funnel.App.Tests.Hosting;

/// <summary>How often the local runner sweeps: the TimerTrigger's schedule in app time, bounded in real time.</summary>
public sealed class LocalRunnerScheduleTests
{
    [Theory]
    [InlineData(300, 1, 60, 300)]      // real time: every 5 minutes, as the JourneySweep function
    [InlineData(1, 1, 60, 1)]          // a test's fast sweep stays fast
    [InlineData(300, 4320, 60, 30)]    // the demo's clock: every half grace, not 14 times a second
    [InlineData(300, 86400, 10, 5)]
    [InlineData(3600, 60, 60, 60)]     // a slow scale: the app-time schedule (an hour of app time is a minute)
    public void Sweeps_on_app_time_but_never_more_often_than_the_grace_allows(int intervalSeconds, double scale, int graceSeconds, double expectedSeconds)
    {
        var options = new JourneyOptions { SweepIntervalSeconds = intervalSeconds, TimeScale = scale, SweepGraceSeconds = graceSeconds };
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), LocalTriggerRunner.SweepInterval(options));
    }
}
