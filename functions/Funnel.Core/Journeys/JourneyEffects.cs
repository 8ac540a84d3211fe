namespace Funnel.Core.Journeys;

/// <summary>What a transition asks the world to do, written with the new state (outbox) and dispatched after.</summary>
public abstract record JourneyEffect;

/// <summary>A message to the lead through the store's channel (the outbound-messages queue).</summary>
public sealed record SendMessage(string Template, DateTimeOffset At) : JourneyEffect;

public sealed record OpenTask(ClerkTask Task) : JourneyEffect;

public sealed record CloseTask(string TaskId, string Outcome) : JourneyEffect;

/// <summary>A number for the funnel, counted on the clerk's row of the day (<see cref="Funnels.FunnelCounts.Of"/>).</summary>
public sealed record CountMetric(FunnelMetric Metric, string? ClerkId, DateTimeOffset At) : JourneyEffect;

/// <summary>
/// The funnel numbers a journey counts. A type, not strings: a misspelt metric does not compile, where a misspelt
/// string was counted nowhere. Serialized in kebab case ("trial-booked", "question-in-time").
/// </summary>
public enum FunnelMetric
{
    TrialBooked,
    TrialCompleted,
    Question,
    QuestionInTime,
    QuestionLate,
    Complaint,
}

/// <summary>Seat the lead in a group of the tier (a small trial cohort when a trial is booked).</summary>
public sealed record JoinGroup(string Tier) : JourneyEffect;
