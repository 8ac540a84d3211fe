namespace Funnel.Core.Journeys;

/// <summary>
/// A store's nurture settings (issue 4's defaults). Every duration is from the moment named: awareness content at
/// +1 and +3 days after the start, a clerk follow-up when no trial is booked 7 days in, dormant after 14 days
/// without engagement; a reminder 2 h before a trial slot, a no-show task 24 h after it; a 7-day Q&A window with a
/// last-chance message a day before it closes; a 4 h answer deadline. Messages: at most
/// <see cref="MaxMessagesPerDay"/> a lead per local day, never in quiet hours (held until they end).
/// </summary>
public sealed record JourneyPolicy(TimeZoneInfo TimeZone)
{
    public IReadOnlyList<TimeSpan> AwarenessContentAfter { get; init; } = [TimeSpan.FromDays(1), TimeSpan.FromDays(3)];
    public TimeSpan TrialFollowUpAfter { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan DormantAfter { get; init; } = TimeSpan.FromDays(14);
    public TimeSpan TrialReminderBefore { get; init; } = TimeSpan.FromHours(2);
    public TimeSpan NoShowAfter { get; init; } = TimeSpan.FromHours(24);
    public TimeSpan QnaWindow { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan LastChanceBefore { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan AnswerDeadline { get; init; } = TimeSpan.FromHours(4);
    public TimeSpan ConvertedReentryBlock { get; init; } = TimeSpan.FromDays(30);
    public int MaxMessagesPerDay { get; init; } = 1;
    public TimeOnly QuietFrom { get; init; } = new(21, 0);
    public TimeOnly QuietUntil { get; init; } = new(9, 0);

    public DateOnly LocalDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZone).DateTime);

    /// <summary>True when <paramref name="at"/> falls in quiet hours, store-local (the window may span midnight).</summary>
    public bool IsQuiet(DateTimeOffset at)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZone).DateTime);
        return QuietFrom <= QuietUntil
            ? local >= QuietFrom && local < QuietUntil
            : local >= QuietFrom || local < QuietUntil;
    }

    /// <summary>The first moment at or after <paramref name="at"/> outside quiet hours.</summary>
    public DateTimeOffset NextSendable(DateTimeOffset at)
    {
        if (!IsQuiet(at)) return at;
        var local = TimeZoneInfo.ConvertTime(at, TimeZone);
        var day = DateOnly.FromDateTime(local.DateTime);
        if (TimeOnly.FromDateTime(local.DateTime) >= QuietFrom && QuietFrom > QuietUntil) day = day.AddDays(1);
        var opening = day.ToDateTime(QuietUntil);
        return new DateTimeOffset(opening, TimeZone.GetUtcOffset(opening)).ToUniversalTime();
    }
}
