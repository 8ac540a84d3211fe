using System.Globalization;
using System.Text.Json;

namespace Funnel.Dev.Demo;

/// <summary>
/// The demo's re-activation broadcast, at the end of the run: HQ builds a segment of the leads who bought nothing and
/// went quiet (the dormant, after two weeks; in a shorter run, those inactive for two days), previews it, and broadcasts
/// to it on the engine. The summary shows the preview's count and time and the broadcast's report, and checks that every
/// targeted lead was accounted for (sent, skipped with a reason, failed or unconfirmed: none left out).
/// </summary>
internal sealed class DemoReactivation(DemoApi api, DemoTokens tokens, DemoLog log, TimeProvider real)
{
    /// <param name="timeout">How long to wait for the broadcast to finish, and a second more for each five leads targeted.</param>
    public async Task<bool> RunAsync(string runTag, int days, TimeSpan timeout, CancellationToken ct)
    {
        object filter = days >= 16 ? new { stages = new[] { "dormant" }, purchased = false } : new { purchased = false, inactiveForDays = 2 };
        var segmentId = $"lapsed-{runTag}";
        var segment = await api.PostJsonAsync("/api/segments", tokens.Hq, new { segmentId, name = "Lapsed: no purchase, gone quiet", filter }, ct);
        var preview = await api.GetAsync($"/api/segments/{segmentId}/preview?sample=0", tokens.Hq, ct);
        if (!segment.Ok || !preview.Ok)
        {
            log.Line("re-activation: the segment could not be created or previewed (see the errors above).");
            return false;
        }
        var count = preview.Body.GetProperty("count").GetInt32();
        log.Line(Invariant($"re-activation segment ({JsonSerializer.Serialize(filter)}): {count} leads, from {preview.Body.GetProperty("stores").GetInt32()} stores, {preview.Body.GetProperty("rowsRead").GetInt64()} rows read in {preview.Body.GetProperty("tookMs").GetDouble():0} ms"));
        var broadcastId = $"reactivate-{runTag}";
        var posted = await api.PostJsonAsync("/api/broadcasts", tokens.Hq, new { broadcastId, segmentId, text = "We miss you at {store}: this week's trial is on us." }, ct);
        if (!posted.Ok) return false;
        // Given time for its size: a send is a few storage round trips each way (about 15 a second on Azurite here).
        timeout += TimeSpan.FromSeconds(count / 5.0);
        var started = real.GetTimestamp();
        JsonElement report;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1), real, ct);
            var read = await api.GetAsync($"/api/broadcasts/{broadcastId}", tokens.Hq, ct);
            if (!read.Ok) return false;
            report = read.Body;
        }
        while ((report.GetProperty("status").GetString() != "done" || report.GetProperty("delivering").GetInt32() > 0) && real.GetElapsedTime(started) < timeout);
        var targeted = report.GetProperty("targeted").GetInt32();
        var skipped = report.GetProperty("skipped").EnumerateObject().Where(p => p.Value.GetInt32() > 0).ToList();
        var failed = report.GetProperty("failed").EnumerateObject().Sum(p => p.Value.GetInt32());
        var accounted = report.GetProperty("sent").GetInt32() + report.GetProperty("unconfirmed").GetInt32() + skipped.Sum(p => p.Value.GetInt32()) + failed;
        var done = report.GetProperty("status").GetString() == "done";
        log.Line(Invariant($"re-activation broadcast: {report.GetProperty("status").GetString()} in {real.GetElapsedTime(started).TotalSeconds:0} s · targeted {targeted} · sent {report.GetProperty("sent").GetInt32()} · skipped {(skipped.Count == 0 ? "0" : string.Join(", ", skipped.Select(p => $"{p.Value.GetInt32()} {p.Name}")))} · failed {failed} · opened {report.GetProperty("opened").GetInt32()} · converted {report.GetProperty("converted").GetInt32()} ({(accounted == targeted && done ? "ok" : "NOT every targeted lead accounted for")})"));
        return done && accounted == targeted;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
