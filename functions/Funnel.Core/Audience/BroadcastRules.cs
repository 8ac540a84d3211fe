using Funnel.Core.Journeys;

namespace Funnel.Core.Audience;

/// <summary>A broadcast a lead received: which, when, whether through WeCom, its target row and the days a purchase counts as its conversion.</summary>
public sealed record Received(string BroadcastId, DateTimeOffset At, bool ViaWeCom, string? TargetRow = null, int WindowDays = 0);

/// <summary>What becomes of one targeted lead now: sent, skipped with a reason, or deferred to a moment.</summary>
public sealed record BroadcastDecision(string Outcome, string? Reason = null, DateTimeOffset? DeferredTo = null)
{
    public const string Send = "send";
    public const string Skip = "skip";
    public const string Defer = "defer";
}

/// <summary>
/// The rules every broadcast send obeys, in this order: consent (an opted-out lead gets nothing), the store's quiet
/// hours (deferred to when they end, not skipped), the brand-wide frequency cap (at most
/// <see cref="MaxPerWindow"/> broadcasts in <see cref="WindowDays"/> days per lead), and WeCom's limit (a customer
/// receives at most one mass message a day from the business: one WeCom broadcast per lead and store-local day).
/// </summary>
public sealed record BroadcastRules(int MaxPerWindow = 2, int WindowDays = 7)
{
    public const string OptedOut = "opted-out";
    public const string FrequencyCap = "frequency-cap";
    public const string WeComDailyLimit = "wecom-daily-limit";
    public const string NotAMember = "not-a-member";

    public static readonly IReadOnlyList<string> SkipReasons = [OptedOut, FrequencyCap, WeComDailyLimit, NotAMember];

    public BroadcastDecision Decide(
        string broadcastId, ConsentState consent, string channel, IReadOnlyList<Received> received, JourneyPolicy store, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(store);
        if (!consent.Allows(channel)) return new(BroadcastDecision.Skip, OptedOut);
        if (received.Any(r => r.BroadcastId == broadcastId)) return new(BroadcastDecision.Send);
        if (store.IsQuiet(now)) return new(BroadcastDecision.Defer, DeferredTo: store.NextSendable(now));
        if (received.Count(r => r.At > now.AddDays(-WindowDays)) >= MaxPerWindow) return new(BroadcastDecision.Skip, FrequencyCap);
        if (channel == ConsentState.WeCom && received.Any(r => r.ViaWeCom && store.LocalDay(r.At) == store.LocalDay(now))) return new(BroadcastDecision.Skip, WeComDailyLimit);
        return new(BroadcastDecision.Send);
    }

    /// <summary>What is remembered: the broadcasts within the longer of the cap's window and <paramref name="keepDays"/> (conversions are credited within it).</summary>
    public IReadOnlyList<Received> Remember(IReadOnlyList<Received> received, Received next, DateTimeOffset now, int keepDays)
    {
        ArgumentNullException.ThrowIfNull(received);
        var horizon = now.AddDays(-Math.Max(WindowDays, keepDays));
        return [.. received.Where(r => r.At > horizon && r.BroadcastId != next.BroadcastId), next];
    }
}
