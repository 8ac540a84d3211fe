using System.Diagnostics;
using System.Diagnostics.Metrics;
using Funnel.App.Journeys;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.Leads;
using Funnel.Core.Scans;

namespace Funnel.App.Scans;

/// <summary>
/// A shopper scans a code. Storage work per scan, in order:
/// 1. read the lead's membership at the store (a point read);
/// 2. for a lead new to the store only: link the lead brand-wide (one transaction in the lead's partition,
///    two when the lead already exists elsewhere), so the link exists before the seat and a crash between
///    the two heals on the next scan;
/// 3. the store lane commits the seat, the counter and the membership (one transaction, shared by every
///    scan waiting at that store). A retried scan id is recognised in the membership and written not at all.
///    A lead new to the store starts its journey in that same transaction (journey row, welcome outbox, due entry);
/// 4. the journey's dispatch (the welcome, a wake-up; see <see cref="JourneyService"/>), or for a returning lead its
///    journey hears of the scan (a read and the lane's next transaction). A retried scan id is passed on as the event
///    id, so a retry after a failure here completes the journey step once.
/// </summary>
internal sealed class ScanService(LeadIdHasher hasher, LeadRepository leads, StoreLanes committer, JourneyService journeys, TimeProvider time)
{
    public const string MeterName = "Funnel.Scans";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> ScansCounter = Meter.CreateCounter<long>("funnel.scans", description: "Scans committed.");
    private static readonly Histogram<double> ScanLatency = Meter.CreateHistogram<double>("funnel.scan.duration", "ms", "Time to commit a scan.");

    /// <returns>The scan's outcome and the lead's journey stage after it (null: a replay that found no journey).</returns>
    public async Task<(ScanResult Scan, Core.Journeys.JourneyStage? Stage)> ScanAsync(EntryCode code, string shopperId, string? scanId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var leadId = hasher.LeadIdFor(shopperId);

        var known = await leads.ReadMemberAsync(code.StoreId, leadId, cancellationToken);
        var isNewLead = false;
        if (known is null)
        {
            if (await committer.GetSettingsAsync(code.StoreId, cancellationToken) is null) throw new StoreNotFoundException(code.StoreId);
            isNewLead = await leads.LinkAsync(leadId, code.StoreId, code.ClerkId, time.GetUtcNow(), cancellationToken);
        }

        var input = new ScanInput(leadId, scanId, code, isNewLead, known?.Member);
        var (committed, journeyStart) = await committer.CommitScanAsync(code.StoreId, input, known?.ETag ?? default).WaitAsync(cancellationToken);
        Core.Journeys.JourneyOutcome? journey = null;
        if (journeyStart is not null)
        {
            await journeys.DispatchAsync(code.StoreId, journeyStart, cancellationToken);
            journey = journeyStart.Outcome;
        }
        else if (!committed.Replayed || scanId is not null)
        {
            var scanned = new Core.Journeys.Scanned(time.GetUtcNow(), code.ClerkId, scanId is null ? null : Core.Journeys.JourneyEvents.ScanEventId(scanId));
            journey = await journeys.ApplyAsync(code.StoreId, leadId, [scanned], cancellationToken);
        }

        ScansCounter.Add(1, new KeyValuePair<string, object?>("outcome", committed.Replayed ? "replayed" : committed.Seat is null ? "no-seat" : "seated"));
        ScanLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return (committed, journey?.After?.Stage);
    }
}
