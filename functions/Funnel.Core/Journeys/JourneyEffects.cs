namespace Funnel.Core.Journeys;

/// <summary>What a transition asks the world to do, written with the new state (outbox) and dispatched after.</summary>
public abstract record JourneyEffect;

/// <summary>A message to the lead through the store's channel (the outbound-messages queue).</summary>
public sealed record SendMessage(string Template, DateTimeOffset At) : JourneyEffect;

public sealed record OpenTask(ClerkTask Task) : JourneyEffect;

public sealed record CloseTask(string TaskId, string Outcome) : JourneyEffect;

/// <summary>A number for the funnel: trial booked/completed, question, answer in time or late, complaint.</summary>
public sealed record CountMetric(string Metric, string? ClerkId, DateTimeOffset At) : JourneyEffect;

/// <summary>Seat the lead in a group of the tier (a small trial cohort when a trial is booked).</summary>
public sealed record JoinGroup(string Tier) : JourneyEffect;
