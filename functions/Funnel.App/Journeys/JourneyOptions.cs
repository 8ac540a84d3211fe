using System.ComponentModel.DataAnnotations;
using Funnel.Core.Journeys;

namespace Funnel.App.Journeys;

/// <summary>Settings under "Journeys": the durable engine the journeys run on, and the app's clock.</summary>
internal sealed class JourneyOptions
{
    public const string Section = "Journeys";

    /// <summary>
    /// How much faster than real time the app's clock runs (1 = real time). At 86400 a day passes in a second, so a
    /// whole journey runs in seconds: for demos and tests only. Durable timers are set on the matching real time.
    /// </summary>
    [Range(1, 10_000_000)]
    public double TimeScale { get; set; } = 1;

    /// <summary>
    /// The real moment the scaled clock starts from (it then reads that same moment). Fixed, so that the app's clock
    /// survives a restart; without it, a scaled clock starts when the process does.
    /// </summary>
    public DateTimeOffset? TimeScaleOrigin { get; set; }

    /// <summary>
    /// Run the engine's worker in this instance (default). Off: the instance still starts journeys and raises their
    /// events through the engine's client, and other instances run them.
    /// </summary>
    public bool Worker { get; set; } = true;

    /// <summary>The engine's task hub: its tables, queues and lease container are named after it (letters and digits, 3–45).</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    public string TaskHubName { get; set; } = "funnel";

    /// <summary>Control queues (1–16): how many instances can share the orchestrations. Fixed for the life of a task hub.</summary>
    [Range(1, 16)]
    public int PartitionCount { get; set; } = 4;

    /// <summary>The longest an idle worker waits between polls of its queues (a timer can fire up to this late on an idle worker).</summary>
    [Range(0.05, 60)]
    public double MaxQueuePollingIntervalSeconds { get; set; } = 5;

    /// <summary>
    /// How long a message the worker took stays hidden from other workers (control and work-item queues). A worker that
    /// dies (a crash, an evicted instance) hands its messages on after this long; the engine's default is 5 minutes.
    /// </summary>
    [Range(5, 3600)]
    public int MessageVisibilitySeconds { get; set; } = 300;

    /// <summary>Orchestration work items an instance runs at once.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>
    /// How long a journey stays in the worker's memory after a pass, waiting for its next message (0: not at all). While
    /// it stays, its next pass (the commit's answer, an event soon after) reads no history; it holds one of the
    /// worker's orchestration slots meanwhile (the engine keeps at most half of them for such waits).
    /// </summary>
    [Range(0, 600)]
    public double ExtendedSessionIdleSeconds { get; set; } = 10;

    /// <summary>
    /// Passes of a journey's loop (an event or a timer taken, about 8 history rows each) before it continues as new,
    /// which cuts its history. Fewer: shorter histories to read (and, on Azurite, a smaller history table to scan with
    /// every read); more: a longer history to look at on the journey's history endpoint. A running journey takes a new
    /// value at its next generation.
    /// </summary>
    [Range(1, 1000)]
    public int StepsPerGeneration { get; set; } = JourneyOrchestration.DefaultStepsPerGeneration;

    /// <summary>
    /// The longest the engine's instances that act at a moment (a store's KOC month end, a lead's points expiry) sleep
    /// before they look at the app's clock again (see EngineSleep): they wake at their moment, or after this long to
    /// look again (a store may change its time zone, HQ may turn expiry on; a test runs a clock of its own). At most 6
    /// days (the default), the longest a storage queue hides a timer.
    /// </summary>
    [Range(1, 518_400)]
    public int LookSeconds { get; set; } = 518_400;

    /// <summary>Activities (journey steps being committed) an instance runs at once; a store lane batches those of one store.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentActivities { get; set; } = 64;

    /// <summary>
    /// The local runner consumes outbound-messages by logging them (the stand-in for a channel adapter). Default: on
    /// with the local runner. Off leaves them on the queue for a real adapter (or a test) to read.
    /// </summary>
    public bool LogOutboundMessages { get; set; } = true;

    /// <summary>The journeys' clock: real time, or scaled from a fixed origin.</summary>
    public JourneyClock Clock(TimeProvider real)
    {
        if (TimeScale == 1) return JourneyClock.RealTime;
        var origin = TimeScaleOrigin ?? real.GetUtcNow();
        return new JourneyClock(origin, origin, TimeScale);
    }
}

/// <summary>The app's clock read through a <see cref="JourneyClock"/> (the same mapping the orchestrations use).</summary>
internal sealed class JourneyTimeProvider(JourneyClock clock, TimeProvider real) : TimeProvider
{
    public JourneyClock Clock { get; } = clock;

    /// <summary>The real clock under the scaled one.</summary>
    public TimeProvider Real { get; } = real;

    public override DateTimeOffset GetUtcNow() => Clock.ToApp(Real.GetUtcNow());

    /// <summary>The clock the outside world keeps (WeCom's timestamps): the real one under a scaled app clock, else the app's own (a test's fake one).</summary>
    public static TimeProvider RealOf(TimeProvider time) => time is JourneyTimeProvider scaled ? scaled.Real : time;
}
