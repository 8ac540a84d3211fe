using System.Text.Json;

namespace Funnel.Dev.Demo;

/// <summary>
/// The app's clock as seen from outside, read from <c>GET /healthz</c> (<c>now</c>). The app runs it
/// Journeys:TimeScale times faster than real time; the scale is measured, not configured, so the demo follows
/// whatever the app was started with.
/// </summary>
/// <remarks>
/// The estimate (<see cref="Now"/>) paces the simulation; it can be off by a round trip × scale, minutes of app time
/// on a busy machine. What the app checks against its own clock (a purchase after its scan, a trial slot after the
/// booking) is stamped from a fresh reading instead (<see cref="ReadNowAsync"/>).
/// </remarks>
internal sealed class AppClock(DemoApi api, TimeProvider real)
{
    /// <summary>Below this the app is not compressing time and a simulated month would take a month.</summary>
    public const double MinScale = 100;

    private DateTimeOffset _anchorApp, _originApp;
    private long _anchorTimestamp, _originTimestamp;

    public double Scale { get; private set; } = 1;

    public DateTimeOffset Now => _anchorApp + real.GetElapsedTime(_anchorTimestamp) * Scale;

    /// <summary>
    /// Two readings a second apart give the scale (after one to warm the path up: a first request is slow). Each is
    /// the quickest answer of a few, so a request that waited in a busy app does not skew the scale.
    /// </summary>
    public async Task<bool> CalibrateAsync(CancellationToken ct)
    {
        if (await ReadAsync(ct) is null) return false;
        var first = await ReadBestAsync(ct);
        if (first is null) return false;
        await Task.Delay(TimeSpan.FromSeconds(1), real, ct);
        var second = await ReadBestAsync(ct);
        if (second is null) return false;
        var realSeconds = real.GetElapsedTime(first.Value.Timestamp, second.Value.Timestamp).TotalSeconds;
        Scale = Math.Max(1, (second.Value.AppNow - first.Value.AppNow).TotalSeconds / realSeconds);
        (_originApp, _originTimestamp) = first.Value;
        (_anchorApp, _anchorTimestamp) = second.Value;
        return true;
    }

    /// <summary>
    /// Re-reads the app's clock (once a simulated day): the estimate restarts from the reading, and the scale is
    /// measured again over everything since the first reading, so a noisy first second does not stay.
    /// </summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        if (await ReadBestAsync(ct) is not { } reading) return;
        (_anchorApp, _anchorTimestamp) = reading;
        var realSeconds = real.GetElapsedTime(_originTimestamp, _anchorTimestamp).TotalSeconds;
        if (realSeconds > 0) Scale = Math.Max(1, (_anchorApp - _originApp).TotalSeconds / realSeconds);
    }

    /// <summary>
    /// The app's clock read now (not estimated): for what must be exact, like a purchase's time, which the app
    /// compares with the scan's. Null when the app did not answer (an error is counted).
    /// </summary>
    public async Task<DateTimeOffset?> ReadNowAsync(CancellationToken ct) => (await ReadAsync(ct))?.AppNow;

    /// <summary>Real time until the app's clock reaches <paramref name="appTime"/> (zero when it has).</summary>
    public TimeSpan RealDelayUntil(DateTimeOffset appTime)
    {
        var ahead = appTime - Now;
        return ahead <= TimeSpan.Zero ? TimeSpan.Zero : ahead / Scale;
    }

    /// <summary>A stretch of simulated time in real time.</summary>
    public TimeSpan ToReal(TimeSpan simulated) => simulated / Scale;

    /// <summary>The reading with the shortest round trip of <see cref="Samples"/>: the least uncertain about when the app read its clock.</summary>
    private async Task<(DateTimeOffset AppNow, long Timestamp)?> ReadBestAsync(CancellationToken ct)
    {
        (DateTimeOffset AppNow, long Timestamp, TimeSpan RoundTrip)? best = null;
        for (var i = 0; i < Samples; i++)
        {
            if (await ReadWithRoundTripAsync(ct) is { } r && (best is null || r.RoundTrip < best.Value.RoundTrip)) best = r;
        }
        return best is { } b ? (b.AppNow, b.Timestamp) : null;
    }

    private const int Samples = 3;

    private async Task<(DateTimeOffset AppNow, long Timestamp)?> ReadAsync(CancellationToken ct) =>
        await ReadWithRoundTripAsync(ct) is { } r ? (r.AppNow, r.Timestamp) : null;

    /// <summary>One reading, placed in the middle of its round trip (the app read its clock somewhere in it).</summary>
    private async Task<(DateTimeOffset AppNow, long Timestamp, TimeSpan RoundTrip)?> ReadWithRoundTripAsync(CancellationToken ct)
    {
        var sent = real.GetTimestamp();
        var health = await api.GetAsync("/healthz", null, ct);
        var answered = real.GetTimestamp();
        if (!health.Ok || health.Body.ValueKind != JsonValueKind.Object || !health.Body.TryGetProperty("now", out var now)) return null;
        return (now.GetDateTimeOffset(), sent + (answered - sent) / 2, real.GetElapsedTime(sent, answered));
    }
}
