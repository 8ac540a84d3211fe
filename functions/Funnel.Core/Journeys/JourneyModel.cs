namespace Funnel.Core.Journeys;

public enum JourneyStage
{
    Awareness,
    GuidedTrial,
    Qna,
    Converted,
    Dormant,
    OptedOut,
}

public static class JourneyStages
{
    public static string Name(this JourneyStage stage) => stage switch
    {
        JourneyStage.Awareness => "awareness",
        JourneyStage.GuidedTrial => "guided-trial",
        JourneyStage.Qna => "qna",
        JourneyStage.Converted => "converted",
        JourneyStage.Dormant => "dormant",
        JourneyStage.OptedOut => "opted-out",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    public static bool IsFinal(this JourneyStage stage) => stage is JourneyStage.Converted or JourneyStage.Dormant or JourneyStage.OptedOut;
}

/// <summary>What a journey waits for. A timer carries the journey version it was set at: fired later, it does nothing.</summary>
public enum TimerKind
{
    AwarenessContent,
    TrialFollowUp,
    Dormancy,
    TrialReminder,
    NoShow,
    LastChance,
    QnaWindowEnd,
    AnswerDeadline,
    HeldMessage,
}

public sealed record JourneyTimer(TimerKind Kind, DateTimeOffset DueAt, int Version, string? Ref = null);

/// <summary>One line of "who is at which step, and why" (the history the lead view shows).</summary>
public sealed record JourneyHistoryEntry(DateTimeOffset At, string What, JourneyStage Stage);

/// <summary>A follow-up a clerk owes, visible on the store's task list until closed.</summary>
public sealed record ClerkTask(string TaskId, string Kind, DateTimeOffset DueAt, string? Ref = null);

/// <summary>
/// One lead's nurture path at one store. <see cref="Version"/> grows with every transition; timers remember the
/// version they were set at. <see cref="RecentEventIds"/> applies an event id once. <see cref="Timers"/> is what the
/// journey is waiting for; <see cref="Tasks"/> the clerk follow-ups open; <see cref="MessagesByDay"/> the messages
/// sent per store-local day (for the frequency cap).
/// </summary>
public sealed record JourneyState(
    string LeadId,
    string StoreId,
    string? ClerkId,
    JourneyStage Stage,
    int Version,
    DateTimeOffset StartedAt,
    DateTimeOffset StageSince,
    DateTimeOffset LastEngagedAt,
    DateTimeOffset? TrialSlot,
    IReadOnlyList<JourneyTimer> Timers,
    IReadOnlyList<ClerkTask> Tasks,
    IReadOnlyDictionary<DateOnly, int> MessagesByDay,
    IReadOnlyList<string> RecentEventIds,
    IReadOnlyList<JourneyHistoryEntry> History,
    DateTimeOffset? EndedAt = null)
{
    public const int RecentEventIdLimit = 32;

    public DateTimeOffset? NextTimerAt => Timers.Count == 0 ? null : Timers.Min(t => t.DueAt);
}
