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

/// <summary>
/// A follow-up owed, visible on the store's task list until closed: the journey's clerk's, or the store's own
/// (<paramref name="ForStore"/>: an escalation, or a lead recruited by a store code).
/// </summary>
public sealed record ClerkTask(string TaskId, string Kind, DateTimeOffset DueAt, string? Ref = null, bool ForStore = false);

/// <summary>
/// One lead's nurture path at one store. <see cref="Version"/> grows with every transition; timers remember the
/// version they were set at. <see cref="RecentEventIds"/> applies an event id once. <see cref="Timers"/> is what the
/// journey is waiting for; <see cref="Tasks"/> the clerk follow-ups open; <see cref="MessagesByDay"/> the messages
/// sent per store-local day (for the frequency cap); <see cref="AskedQuestions"/> and <see cref="ComplaintsAbout"/> what
/// a complaint may be about in this generation and what was complained about already (each counts once).
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
    DateTimeOffset? EndedAt = null,
    string? CohortGroupId = null,
    IReadOnlyList<string>? AskedQuestions = null,
    IReadOnlyList<string>? ComplaintsAbout = null)
{
    public const int RecentEventIdLimit = 32;

    /// <summary>Question ids remembered for complaints (the latest); with ids of up to 64 characters, a few KB at most.</summary>
    public const int AskedQuestionLimit = 64;

    /// <summary>History lines kept (the oldest go first): a journey row stays far below the 64 KB a Table property holds.</summary>
    public const int HistoryLimit = 50;

    public DateTimeOffset? NextTimerAt => NextTimer?.DueAt;

    /// <summary>The timer that comes due first (the one a wake-up message is set for).</summary>
    public JourneyTimer? NextTimer => Timers.Count == 0 ? null : Timers.MinBy(t => t.DueAt);

    /// <summary>Timers due at <paramref name="now"/>, earliest first.</summary>
    public IReadOnlyList<JourneyTimer> DueTimers(DateTimeOffset now) => [.. Timers.Where(t => t.DueAt <= now).OrderBy(t => t.DueAt)];
}
