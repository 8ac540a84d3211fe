namespace Funnel.Core.Journeys;

/// <summary>Something that happened to a lead. <see cref="EventId"/>, when given, makes the event apply once.</summary>
public abstract record JourneyEvent(DateTimeOffset At, string? EventId = null);

/// <summary>Event ids the app derives from other ids, so a retried scan or redelivered purchase applies once.</summary>
public static class JourneyEvents
{
    public static string ScanEventId(string scanId) => "scan:" + scanId;

    public static string PurchaseEventId(string sellingStoreId, string purchaseId) => $"purchase:{sellingStoreId}:{purchaseId}";
}

/// <summary>The lead scanned at the store: starts a journey (or re-enters a dormant one).</summary>
public sealed record Scanned(DateTimeOffset At, string? ClerkId, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record ContentOpened(DateTimeOffset At, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record TrialBooked(DateTimeOffset At, DateTimeOffset Slot, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record TrialCompleted(DateTimeOffset At, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record QuestionAsked(DateTimeOffset At, string QuestionId, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record QuestionAnswered(DateTimeOffset At, string QuestionId, string? EventId = null) : JourneyEvent(At, EventId);

public sealed record OptedOut(DateTimeOffset At, string? EventId = null) : JourneyEvent(At, EventId);

/// <summary>A complaint about a question the lead asked (<paramref name="QuestionId"/>), or else about their visit and its guided trial.</summary>
public sealed record Complained(DateTimeOffset At, string? EventId = null, string? QuestionId = null) : JourneyEvent(At, EventId);

public sealed record Purchased(DateTimeOffset At, string? EventId = null) : JourneyEvent(At, EventId);

/// <summary>A timer came due. It names the journey version it was set at.</summary>
public sealed record TimerFired(DateTimeOffset At, JourneyTimer Timer) : JourneyEvent(At);
