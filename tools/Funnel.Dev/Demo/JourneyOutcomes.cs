namespace Funnel.Dev.Demo;

/// <summary>
/// A journey event the app accepted (202): where its outcome is, what it counts on when applied, how many attempts
/// the POST took (more than one: an earlier attempt may have been raised though its answer was lost), and how to send
/// it again (the same event id) when it stays pending; and the staff token its outcome is read with (a shopper's
/// session may expire while the demo still follows their event).
/// </summary>
internal sealed record SentEvent(string StoreId, string Type, string OutcomeUrl, int Attempts, Func<CancellationToken, Task<ApiResult>>? Resend = null,
    string? Token = null);

/// <summary>
/// Follows journey events to their outcome. The app answers an event with 202 and applies it later; its outcome URL
/// says <c>pending</c> until the journey took it, then <c>applied</c>, <c>ignored</c>, <c>duplicate</c> or
/// <c>failed</c>. An event counts when applied, or when it is a duplicate of our own retry (the first attempt was
/// raised and applied, its answer lost). The wait between polls holds no request slot: each poll is one request
/// through <see cref="DemoApi"/>. An event still pending after <paramref name="maxWait"/> (default
/// <see cref="MaxWait"/>) is sent once more with the same event id, as a front end would retry an event it never saw
/// taken (the journey applies an id once: a lost event applies now, one that was only slow answers duplicate, which
/// then counts as our retry), and set aside (the shopper goes on) to be resolved before the summary compares
/// (<see cref="ResolveLateAsync"/>).
/// </summary>
/// <remarks>
/// Why resend: an event the app accepted should never stay pending, but a front end cannot know that, and the demo
/// found the case once. The engine's client sends a new instance's start message before it writes the instance's row,
/// and with its start check on, the worker deferred a start message whose row it could not see yet, so an event for
/// that instance dequeued meanwhile found no instance and was discarded (warnings 104 "Abandoning [ExecutionStarted]"
/// and 139 "Discarding … No such instance" in the app's log). The app now turns that check off
/// (<c>DisableExecutionStartedDeduplication</c>, see JourneyEngine); the resend stays as a client's safety net.
/// </remarks>
internal sealed class JourneyOutcomes(DemoApi api, DemoStats stats, TimeProvider real, TimeSpan? maxWait = null)
{
    public const string Pending = "pending";
    public static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a shopper waits for one event before going on (the run's stalls are seconds; this is a bound, not a pace).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>The longest the summary waits for events set aside, however steadily the journeys catch up.</summary>
    public static readonly TimeSpan MaxResolve = TimeSpan.FromMinutes(30);

    private readonly TimeSpan _maxWait = maxWait ?? MaxWait;
    private readonly Lock _lock = new();
    private readonly List<SentEvent> _late = [];

    /// <summary>The event as the app accepted it, or null (an error counted) when the answer says nowhere to look.</summary>
    public SentEvent? Accepted(ApiResult accepted, string storeId, string type, Func<CancellationToken, Task<ApiResult>>? resend = null, string? token = null)
    {
        var url = accepted.Location;
        if (url is null && accepted.Text("leadId") is { } lead && accepted.Text("storeId") is { } store && accepted.Text("eventId") is { } id)
        {
            url = $"/api/leads/{lead}/stores/{store}/journey/events/{Uri.EscapeDataString(id)}";
        }
        if (url is not null) return new SentEvent(storeId, type, url, accepted.Attempts, resend, token);
        api.Error($"POST {type} → {accepted.Status}", "no Location header and no event id in the answer: its outcome cannot be followed");
        return null;
    }

    /// <summary>Waits (bounded) for the event's outcome and counts it; an outcome still pending is set aside for the summary.</summary>
    public async Task FollowAsync(SentEvent e, CancellationToken ct)
    {
        var started = real.GetTimestamp();
        var outcome = await PollAsync(e, _maxWait, ct);
        if (outcome is not null and not Pending) stats.EventWaited(real.GetElapsedTime(started));
        if (outcome == Pending && e.Resend is { } resend)
        {
            var again = await resend(ct);
            if (again.Ok)
            {
                stats.EventResent();
                e = e with { Attempts = e.Attempts + again.Attempts, Resend = null };
            }
        }
        Settle(e, outcome, late: false);
    }

    /// <summary>
    /// Polls the events set aside until each has an outcome, for as long as some get one: it gives up once none did for
    /// <paramref name="idle"/> (the journeys have stopped catching up) or after <see cref="MaxResolve"/> in all. Counts
    /// what they came to and returns how many are still pending (each counted as an error).
    /// </summary>
    public async Task<int> ResolveLateAsync(TimeSpan idle, CancellationToken ct)
    {
        List<SentEvent> late;
        lock (_lock)
        {
            late = [.. _late];
            _late.Clear();
        }
        var started = real.GetTimestamp();
        var progressed = started;
        while (late.Count > 0)
        {
            var outcomes = await Task.WhenAll(late.Select(e => ReadAsync(e, ct)));
            var still = new List<SentEvent>();
            foreach (var (e, outcome) in late.Zip(outcomes))
            {
                if (outcome == Pending) still.Add(e);
                else Settle(e, outcome, late: true);
            }
            if (still.Count < late.Count) progressed = real.GetTimestamp();
            late = still;
            var quiet = idle - real.GetElapsedTime(progressed);
            if (late.Count == 0 || quiet <= TimeSpan.Zero || real.GetElapsedTime(started) > MaxResolve) break;
            await Task.Delay(quiet < MaxPollInterval ? quiet : MaxPollInterval, real, ct);
        }
        foreach (var e in late) api.Error($"GET {e.OutcomeUrl}", $"still pending {real.GetElapsedTime(started).TotalSeconds:0} s after the run");
        return late.Count;
    }

    /// <summary>Whether an outcome counts: applied, or a duplicate of our own retry (its first attempt was applied).</summary>
    public static bool Counts(string? outcome, int attempts) => outcome == "applied" || (outcome == "duplicate" && attempts > 1);

    /// <summary>What an applied event of this type adds to the store's funnel.</summary>
    public static Tally CountedAs(string type) => type switch
    {
        "trial-booked" => new Tally { TrialsBooked = 1 },
        "trial-completed" => new Tally { TrialsCompleted = 1 },
        "question-asked" => new Tally { Questions = 1 },
        "complaint" => new Tally { Complaints = 1 },
        _ => default,
    };

    /// <summary>
    /// Polls the outcome URL: first after <see cref="FirstPoll"/>, then at doubling intervals up to
    /// <see cref="MaxPollInterval"/>, until the outcome is known or <paramref name="bound"/> has passed (then
    /// <see cref="Pending"/>). Null when a poll failed (the error is counted by <see cref="DemoApi"/>).
    /// </summary>
    public async Task<string?> PollAsync(SentEvent e, TimeSpan bound, CancellationToken ct)
    {
        var started = real.GetTimestamp();
        for (var delay = FirstPoll; ; delay = delay * 2 < MaxPollInterval ? delay * 2 : MaxPollInterval)
        {
            await Task.Delay(delay, real, ct); // no request slot is held while waiting
            var outcome = await ReadAsync(e, ct);
            if (outcome != Pending || real.GetElapsedTime(started) >= bound) return outcome;
        }
    }

    /// <summary>One read of the outcome; null when it failed (an error is counted).</summary>
    private async Task<string?> ReadAsync(SentEvent e, CancellationToken ct)
    {
        var url = e.OutcomeUrl;
        var r = await api.GetAsync(url, e.Token, ct);
        if (!r.Ok) return null;
        if (r.Text("outcome") is { } outcome) return outcome;
        api.Error($"GET {url} → {r.Status}", "the answer has no outcome");
        return null;
    }

    private void Settle(SentEvent e, string? outcome, bool late)
    {
        if (late) stats.EventResolved();
        switch (outcome)
        {
            case null:
                return; // the poll failed: an error, counted where it happened
            case Pending:
                lock (_lock) _late.Add(e);
                stats.EventPending();
                return;
            case "failed":
                api.Error($"journey event {e.Type} ({e.OutcomeUrl})", "the journey could not commit it (outcome: failed)");
                break;
        }
        stats.EventOutcome(outcome, e.Attempts);
        if (!Counts(outcome, e.Attempts)) return;
        if (e.Type == "question-answered") stats.Answered();
        stats.Add(e.StoreId, CountedAs(e.Type));
    }
}
