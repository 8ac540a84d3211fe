using System.Diagnostics;
using System.Diagnostics.Metrics;
using Funnel.App.Journeys;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Codes;
using Funnel.Core.Journeys;
using Funnel.Core.Leads;
using Funnel.Core.Scans;

namespace Funnel.App.Scans;

/// <summary>
/// A shopper scans a code. Storage work per scan, in order:
/// 1. read the lead's membership at the store (a point read; none when the store's lane wrote it last, see
///    StoreLanes.KnownMember);
/// 2. for a lead new to the store only: link the lead brand-wide (one transaction in the lead's partition,
///    two when the lead already exists elsewhere), so the link exists before the seat and a crash between
///    the two heals on the next scan; then start the lead's journey at the store (the engine's instance, with this
///    scan as its first event). Both come before the seat: a seated lead always has its journey, and a crash
///    after the start leaves at most a journey whose scan the shopper's retry completes (starting it again is a no-op);
///    the joining award, a referrer's award (a share code) or a KOC's place for its recruit (a KOC's code: two
///    requests, only for such codes), each keyed so a retry repeats nothing;
/// 3. the store lane commits the seat, the counter and the membership (one transaction, shared by every
///    scan waiting at that store). A retried scan id is recognised in the membership and written not at all;
/// 4. for a lead the store knew: the scan is raised to its journey (one queue message; a retried scan id is the
///    event id, so the journey takes it once), and, for a caller who is told the stage (the store's staff), its stage
///    is read from the journey row.
/// </summary>
internal sealed class ScanService(
    LeadIdHasher hasher, LeadRepository leads, StoreLanes committer, JourneyService journeys, JourneyRepository journeyRows, Points.PointsAwards points, Kocs.KocCredits kocs, Audience.TagStore tags, TimeProvider time)
{
    public const string MeterName = "Funnel.Scans";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> ScansCounter = Meter.CreateCounter<long>("funnel.scans", description: "Scans committed.");
    private static readonly Histogram<double> ScanLatency = Meter.CreateHistogram<double>("funnel.scan.duration", "ms", "Time to commit a scan.");

    /// <returns>The scan's outcome, the lead's journey stage after it (null: not known yet), and the store's settings it was read with.</returns>
    public async Task<(ScanResult Scan, JourneyStage? Stage, StoreSettings Store)> ScanAsync(
        EntryCode code, string shopperId, string? scanId, bool withStage, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The store's settings come from the lane's cache (no storage request on a warm lane); its country reads the phone number.
        var store = await committer.GetSettingsAsync(code.StoreId, cancellationToken) ?? throw new StoreNotFoundException(code.StoreId);
        var leadId = hasher.LeadIdFor(store.ShopperIdentity(shopperId));
        var now = time.GetUtcNow();
        var scanned = new Scanned(now, code.ClerkId, scanId is null ? null : JourneyEvents.ScanEventId(scanId));

        var known = committer.KnownMember(code.StoreId, leadId) ?? await leads.ReadMemberAsync(code.StoreId, leadId, cancellationToken);
        var isNewLead = false;
        string? kocId = null;
        JourneyStage? stage = null;
        if (known is null)
        {
            isNewLead = await leads.LinkAsync(leadId, code.StoreId, code.ClerkId, now, cancellationToken);
            await journeys.StartAsync(store, leadId, scanned, cancellationToken);
            // Joining earns points once per lead, brand-wide: a first scan at another store (or this scan retried) repeats it, applied once.
            await points.JoinedAsync(leadId, now, cancellationToken);
            // Through a lead's share code: a lead new to the brand earns its referrer the share's points (once; not oneself). A
            // retry after this scan linked the lead finds it linked to this store alone, so it still counts as new.
            if (Core.Kocs.LeadChannel.Referral.LeadOf(code.Channel) is { } referrer && referrer != leadId
                && (isNewLead || await leads.GetIndexAsync(leadId, cancellationToken) is { FirstStoreId: var first, StoreIds: [var only] } && first == code.StoreId && only == code.StoreId))
            {
                await points.ReferredAsync(referrer, leadId, now, cancellationToken);
                await tags.AddAsync(code.StoreId, referrer, Core.Audience.LeadTags.Shared, "scan", now, cancellationToken);
            }
            // Through a KOC's code: the KOC's recruit while the KOC has room (once; a retry finds it recorded), else the store's alone.
            if (Core.Kocs.LeadChannel.Koc.LeadOf(code.Channel) is { } koc && koc != leadId
                && await kocs.RecruitAsync(code.StoreId, koc, leadId, now, store.Policy.TimeZone, cancellationToken))
            {
                kocId = koc;
            }
            stage = JourneyStage.Awareness;
        }

        var input = new ScanInput(leadId, scanId, code, isNewLead, known?.Member, kocId);
        var committed = (await committer.CommitScanAsync(code.StoreId, input, known?.ETag ?? default).WaitAsync(cancellationToken)).Result;
        leads.RememberMember(code.StoreId, leadId);
        if (known is not null && (!committed.Replayed || scanId is not null))
        {
            await journeys.RaiseAsync(code.StoreId, leadId, scanned, cancellationToken);
            if (withStage) stage = await StageAfterAsync(store, leadId, scanned, cancellationToken);
        }

        ScansCounter.Add(1, new KeyValuePair<string, object?>("outcome", committed.Replayed ? "replayed" : committed.Seat is null ? "no-seat" : "seated"));
        ScanLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return (committed, stage, store);
    }

    /// <summary>The stage the journey will be at once it took the scan: the rules applied to the journey row (the journey applies them for real).</summary>
    private async Task<JourneyStage?> StageAfterAsync(StoreSettings store, string leadId, Scanned scanned, CancellationToken cancellationToken)
    {
        var stored = (await journeyRows.ReadAsync(store.StoreId, leadId, cancellationToken))?.State;
        if (stored is null) return null;
        return (JourneyStep.Decide(stored, [scanned], store.JourneyPolicy, leadId, store.StoreId)?.After ?? stored).Stage;
    }
}
