namespace Funnel.Core.Journeys;

/// <summary>
/// How journey time relates to real time: app time = <see cref="AppOrigin"/> + (real − <see cref="RealOrigin"/>) ×
/// <see cref="Scale"/>. At scale 1 with equal origins it is the real clock; demos compress time with a larger scale.
/// A pure, fixed mapping: an orchestration carries the clock it started with in its input, so a replay computes the same
/// times whenever and wherever it runs.
/// </summary>
public sealed record JourneyClock(DateTimeOffset AppOrigin, DateTimeOffset RealOrigin, double Scale)
{
    public static JourneyClock RealTime { get; } = new(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);

    public DateTimeOffset ToApp(DateTimeOffset real) =>
        Scale == 1 ? AppOrigin + (real - RealOrigin) : AppOrigin + TimeSpan.FromTicks((long)((real - RealOrigin).Ticks * Scale));

    /// <summary>The real moment app time reaches <paramref name="app"/>, rounded up so that <see cref="ToApp"/> of it is never earlier.</summary>
    public DateTimeOffset ToReal(DateTimeOffset app) =>
        Scale == 1 ? RealOrigin + (app - AppOrigin) : RealOrigin + TimeSpan.FromTicks((long)Math.Ceiling((app - AppOrigin).Ticks / Scale));

    /// <summary>How long <paramref name="appTime"/> of app time lasts in real time.</summary>
    public TimeSpan RealDuration(TimeSpan appTime) => Scale == 1 ? appTime : TimeSpan.FromTicks((long)(appTime.Ticks / Scale));
}
