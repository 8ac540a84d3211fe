using System.Diagnostics.Metrics;
using System.Text.Json;
using Azure;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Journeys;
using Microsoft.Extensions.Options;

namespace Funnel.App.Journeys;

/// <summary>A wake-up on the journey-timers queue: the timer it was set for, with the journey version that set it.</summary>
internal sealed record WakeMessage(string StoreId, string LeadId, JourneyTimer Timer)
{
    public static bool TryRead(string text, out WakeMessage? wake, out string error)
    {
        wake = null;
        try
        {
            wake = JsonSerializer.Deserialize<WakeMessage>(text, JourneyRows.Json);
        }
        catch (JsonException e)
        {
            error = $"Not a wake-up message: {e.Message}";
            return false;
        }
        error = wake is null || string.IsNullOrEmpty(wake.StoreId) || string.IsNullOrEmpty(wake.LeadId) || wake.Timer is null
            ? "A wake-up message has storeId, leadId and timer." : "";
        return error.Length == 0;
    }
}

internal enum WakeOutcome
{
    Fired,
    Stale,
    Hopped,
}

internal sealed record SweepResult(int Stores, int DueRows, int JourneysRead, int TimersFired, int OutboxesResent);

/// <summary>
/// The durable engine around <see cref="Journey.Decide"/>. A transition: read the journey row (a point read; a lead new
/// to the store starts its journey inside the scan's own transaction instead), let the store lane decide and write the state, its outbox, tasks, counts and due
/// entry in one transaction, then dispatch: the outbox's messages to outbound-messages (the row is deleted with the
/// lane's next transaction) and, when the journey's next timer changed, one wake-up message to journey-timers
/// delayed until that timer is due (hopping in steps of at most 7 days, the queue's limit). A wake-up whose timer
/// the journey no longer lists does nothing. Whatever a crash leaves undone — an outbox not sent, a wake-up not
/// enqueued — the sweep finds through the store's "due|" rows, which hold only what is due.
/// </summary>
internal sealed partial class JourneyService(
    JourneyRepository journeys,
    StoreRepository stores,
    StoreLanes lanes,
    FunnelQueues queues,
    FunnelTables tables,
    TimeProvider time,
    IOptions<JourneyOptions> options,
    ILogger<JourneyService> logger)
{
    public const string MeterName = "Funnel.Journeys";
    private static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>("funnel.journey.transitions", description: "Journey writes committed.");
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("funnel.journey.messages", description: "Messages put on outbound-messages.");

    /// <summary>
    /// Applies <paramref name="events"/> to the lead's journey at the store and dispatches what they caused.
    /// Returns the journey before and after (null: there is none, and the events did not start one).
    /// </summary>
    public async Task<JourneyOutcome?> ApplyAsync(string storeId, string leadId, IReadOnlyList<JourneyEvent> events, CancellationToken cancellationToken)
    {
        var stored = await journeys.ReadAsync(storeId, leadId, cancellationToken);
        return await CommitAsync(storeId, leadId, events, stored, cancellationToken);
    }

    private async Task<JourneyOutcome?> CommitAsync(string storeId, string leadId, IReadOnlyList<JourneyEvent> events, (JourneyState State, ETag ETag)? stored, CancellationToken cancellationToken)
    {
        if (stored is null && !events.Any(e => e is Scanned)) return null; // only a scan starts a journey
        var commit = await lanes.CommitJourneyAsync(storeId, leadId, events, stored?.State, stored?.ETag ?? default).WaitAsync(cancellationToken);
        await DispatchAsync(storeId, commit, cancellationToken);
        return commit.Outcome;
    }

    /// <summary>Sends what a committed transition owes the world. Safe to repeat: the consumers see message ids and timer versions.</summary>
    public async Task DispatchAsync(string storeId, JourneyCommit commit, CancellationToken cancellationToken)
    {
        if (commit.Write is not { } write) return;
        Transitions.Add(1);
        if (commit.Outbox is { } outbox)
        {
            await SendAsync(outbox.Messages, cancellationToken);
            lanes.Cleanup(storeId, outbox.RowKey);
        }
        if (write.After.NextTimer is { } next && next != write.Stored?.NextTimer)
        {
            await SendWakeAsync(new WakeMessage(storeId, write.LeadId, next), cancellationToken);
        }
    }

    private async Task SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await queues.OutboundMessages.SendMessageAsync(JsonSerializer.Serialize(message, JourneyRows.Json), cancellationToken);
            Sent.Add(1);
        }
    }

    private async Task SendWakeAsync(WakeMessage wake, CancellationToken cancellationToken)
    {
        var delay = RealDelay(wake.Timer.DueAt - time.GetUtcNow());
        // Never expire: a message hidden for almost 7 days would otherwise live only a minute once visible.
        await queues.JourneyTimers.SendMessageAsync(JsonSerializer.Serialize(wake, JourneyRows.Json),
            visibilityTimeout: delay > MaxQueueDelay ? MaxQueueDelay : delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
    }

    /// <summary>How long <paramref name="appTime"/> of app time lasts in real time (the clock may be scaled).</summary>
    private TimeSpan RealDelay(TimeSpan appTime) =>
        appTime <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(appTime.Ticks / options.Value.TimeScale));

    /// <summary>
    /// A wake-up arrived. Not yet due (a hop of a long wait): sent on again, or waited for here when it is due within
    /// seconds. Due: every timer of the journey that is due fires, in order, in one transition; a timer the journey
    /// no longer lists (cancelled, superseded, fired by the sweep) makes it a no-op.
    /// </summary>
    public async Task<WakeOutcome> WakeAsync(WakeMessage wake, CancellationToken cancellationToken)
    {
        var early = wake.Timer.DueAt - time.GetUtcNow();
        if (early > TimeSpan.Zero)
        {
            var real = RealDelay(early);
            if (real > TimeSpan.FromSeconds(options.Value.WaitInProcessSeconds))
            {
                await SendWakeAsync(wake, cancellationToken);
                return WakeOutcome.Hopped;
            }
            // Task.Delay counts whole milliseconds; a millisecond early is minutes early on a scaled clock.
            await Task.Delay(real + TimeSpan.FromMilliseconds(1), cancellationToken);
        }
        var stored = await journeys.ReadAsync(wake.StoreId, wake.LeadId, cancellationToken);
        if (stored is null || !stored.Value.State.Timers.Contains(wake.Timer)) return WakeOutcome.Stale;
        if (await FireDueAsync(wake.StoreId, wake.LeadId, stored.Value, cancellationToken) > 0) return WakeOutcome.Fired;
        // Still listed and not due by the clock after all: never drop it, look again when it is.
        await SendWakeAsync(wake, cancellationToken);
        return WakeOutcome.Hopped;
    }

    private async Task<int> FireDueAsync(string storeId, string leadId, (JourneyState State, ETag ETag) stored, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = stored.State.DueTimers(now);
        if (due.Count == 0) return 0;
        await CommitAsync(storeId, leadId, [.. due.Select(t => new TimerFired(now, t))], stored, cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// Everything that should have happened more than the grace period ago and did not: per store, one range read of
    /// its "due|" rows up to that moment (so nothing that is not due is read), then each due journey's timers fire
    /// and each outbox left behind is sent and deleted.
    /// </summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(settings.SweepGraceSeconds * settings.TimeScale);
        var all = await stores.ListAsync(null, cancellationToken);
        int dueRows = 0, read = 0, fired = 0, resent = 0;
        using var slots = new SemaphoreSlim(settings.SweepConcurrency);
        var work = new List<Task>();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(8, settings.SweepConcurrency), CancellationToken = cancellationToken }, async (store, ct) =>
        {
            var rows = await journeys.ListDueAsync(store.StoreId, cutoff, ct);
            Interlocked.Add(ref dueRows, rows.Count);
            foreach (var row in rows)
            {
                await slots.WaitAsync(ct);
                var task = Task.Run(async () =>
                {
                    try
                    {
                        var (leadId, isTimer) = JourneyRows.ParseDueKey(row.RowKey);
                        if (isTimer)
                        {
                            var stored = await journeys.ReadAsync(store.StoreId, leadId, ct);
                            Interlocked.Increment(ref read);
                            if (stored is not null) Interlocked.Add(ref fired, await FireDueAsync(store.StoreId, leadId, stored.Value, ct));
                        }
                        else
                        {
                            await SendAsync(JourneyRows.ToOutbox(row), ct);
                            await DeleteIfThereAsync(store.StoreId, row.RowKey, ct);
                            Interlocked.Increment(ref resent);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogSweepItemFailed(logger, e, store.StoreId, row.RowKey);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, ct);
                lock (work) work.Add(task);
            }
        });
        Task[] pending;
        lock (work) pending = [.. work];
        await Task.WhenAll(pending);
        var result = new SweepResult(all.Count, dueRows, read, fired, resent);
        if (dueRows > 0) LogSwept(logger, result.Stores, result.DueRows, result.TimersFired, result.OutboxesResent);
        return result;
    }

    private async Task DeleteIfThereAsync(string storeId, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Stores.DeleteEntityAsync(storeId, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            // gone already
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: {StoreId} {RowKey} failed; the next sweep tries again")]
    private static partial void LogSweepItemFailed(ILogger logger, Exception error, string storeId, string rowKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep of {Stores} stores: {DueRows} due rows, {Fired} timers fired, {Resent} outboxes resent")]
    private static partial void LogSwept(ILogger logger, int stores, int dueRows, int fired, int resent);
}
