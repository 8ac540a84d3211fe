using System.ComponentModel.DataAnnotations;

namespace Funnel.App.Journeys;

/// <summary>Settings under "Journeys": the engine around the nurture rules (the rules themselves are per store).</summary>
internal sealed class JourneyOptions
{
    public const string Section = "Journeys";

    /// <summary>
    /// How much faster than real time the app's clock runs (1 = real time). At 86400 a day passes in a second, so a
    /// whole journey runs in seconds: for demos and tests only. Timer delays on the queue are divided by it.
    /// </summary>
    [Range(1, 10_000_000)]
    public double TimeScale { get; set; } = 1;

    /// <summary>How often the sweep looks for timers and outboxes that the queue path missed, in real seconds whatever the time scale (the local runner's timer; the TimerTrigger's schedule in Azure).</summary>
    [Range(1, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 300;

    /// <summary>
    /// The sweep takes only what was due this long ago (real seconds, whatever the time scale), leaving the rest to
    /// the normal path: wake-ups on their way, outboxes whose clean-up rides the lane's next transaction.
    /// </summary>
    [Range(0, 86_400)]
    public int SweepGraceSeconds { get; set; } = 60;

    /// <summary>Journeys the sweep works on at once.</summary>
    [Range(1, 1024)]
    public int SweepConcurrency { get; set; } = 64;

    /// <summary>A wake-up due within this much real time is waited for in process instead of hopping through the queue again.</summary>
    [Range(0, 30)]
    public double WaitInProcessSeconds { get; set; } = 2;

    /// <summary>
    /// The local runner consumes outbound-messages by logging them (the stand-in for a channel adapter). Default: on
    /// with the local runner. Off leaves them on the queue for a real adapter (or a test) to read.
    /// </summary>
    public bool LogOutboundMessages { get; set; } = true;
}

/// <summary>A clock that runs <see cref="Scale"/> times faster than <paramref name="inner"/> from the moment it was made.</summary>
internal sealed class ScaledTimeProvider(TimeProvider inner, double scale) : TimeProvider
{
    private readonly DateTimeOffset _origin = inner.GetUtcNow();

    public double Scale { get; } = scale;

    public override DateTimeOffset GetUtcNow()
    {
        var elapsed = inner.GetUtcNow() - _origin;
        return _origin + TimeSpan.FromTicks((long)(elapsed.Ticks * Scale));
    }
}
