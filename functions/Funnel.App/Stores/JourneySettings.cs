using System.Globalization;
using System.Text.Json;
using Funnel.App.Apis;
using Funnel.Core.Journeys;
using Funnel.Core.Stores;

namespace Funnel.App.Stores;

/// <summary>
/// A store's nurture settings as HQ sets them (PUT /api/stores/{storeId}, "journey"): every field optional, a
/// missing one takes the default of <see cref="JourneyPolicy"/> (awareness content at +1 and +3 days, follow-up at
/// 7 days, dormant after 14, reminder 2 h before a trial, no-show 24 h after, Q&A for 7 days with a last chance
/// 24 h before its end, a 4 h answer deadline, 30 days without re-entry after converting, 1 message a day,
/// quiet 21:00–09:00, trial cohorts of 20).
/// </summary>
internal sealed record JourneySettings(
    double[]? AwarenessContentAfterDays = null,
    double? TrialFollowUpAfterDays = null,
    double? DormantAfterDays = null,
    double? TrialReminderBeforeHours = null,
    double? NoShowAfterHours = null,
    double? QnaWindowDays = null,
    double? LastChanceBeforeHours = null,
    double? AnswerDeadlineHours = null,
    double? ConvertedReentryBlockDays = null,
    int? MaxMessagesPerDay = null,
    string? QuietFrom = null,
    string? QuietUntil = null,
    int? TrialCohortCapacity = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static JourneySettings Defaults { get; } = new();

    public JourneyPolicy Policy(TimeZoneInfo zone)
    {
        var d = new JourneyPolicy(zone);
        return d with
        {
            AwarenessContentAfter = AwarenessContentAfterDays is { } days ? [.. days.Select(TimeSpan.FromDays)] : d.AwarenessContentAfter,
            TrialFollowUpAfter = Days(TrialFollowUpAfterDays, d.TrialFollowUpAfter),
            DormantAfter = Days(DormantAfterDays, d.DormantAfter),
            TrialReminderBefore = Hours(TrialReminderBeforeHours, d.TrialReminderBefore),
            NoShowAfter = Hours(NoShowAfterHours, d.NoShowAfter),
            QnaWindow = Days(QnaWindowDays, d.QnaWindow),
            LastChanceBefore = Hours(LastChanceBeforeHours, d.LastChanceBefore),
            AnswerDeadline = Hours(AnswerDeadlineHours, d.AnswerDeadline),
            ConvertedReentryBlock = Days(ConvertedReentryBlockDays, d.ConvertedReentryBlock),
            MaxMessagesPerDay = MaxMessagesPerDay ?? d.MaxMessagesPerDay,
            QuietFrom = QuietFrom is null ? d.QuietFrom : TimeOnly.ParseExact(QuietFrom, "HH:mm", CultureInfo.InvariantCulture),
            QuietUntil = QuietUntil is null ? d.QuietUntil : TimeOnly.ParseExact(QuietUntil, "HH:mm", CultureInfo.InvariantCulture),
        };
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public int CohortCapacity => TrialCohortCapacity ?? StorePolicy.DefaultCohortCapacity;

    /// <summary>Adds what is wrong with these settings to <paramref name="v"/>, each field named as the request names it.</summary>
    public void Validate(Validation v)
    {
        if (AwarenessContentAfterDays is { } content && (content.Length > 10 || content.Any(x => !(x > 0 && x <= 90))))
        {
            v.Add("journey.awarenessContentAfterDays", "'journey.awarenessContentAfterDays' lists at most 10 delays, each more than 0 and at most 90 days.");
        }
        Range(v, "trialFollowUpAfterDays", TrialFollowUpAfterDays, 90);
        Range(v, "dormantAfterDays", DormantAfterDays, 365);
        Range(v, "trialReminderBeforeHours", TrialReminderBeforeHours, 72);
        Range(v, "noShowAfterHours", NoShowAfterHours, 168);
        Range(v, "qnaWindowDays", QnaWindowDays, 90);
        Range(v, "lastChanceBeforeHours", LastChanceBeforeHours, 24 * 90);
        Range(v, "answerDeadlineHours", AnswerDeadlineHours, 168);
        Range(v, "convertedReentryBlockDays", ConvertedReentryBlockDays, 365);
        if (MaxMessagesPerDay is < 1 or > 20) v.Add("journey.maxMessagesPerDay", "'journey.maxMessagesPerDay' must be between 1 and 20.");
        Clock(v, "quietFrom", QuietFrom);
        Clock(v, "quietUntil", QuietUntil);
        if (TrialCohortCapacity is < StorePolicy.MinCohortCapacity or > StorePolicy.MaxCohortCapacity)
        {
            v.Add("journey.trialCohortCapacity", $"'journey.trialCohortCapacity' must be between {StorePolicy.MinCohortCapacity} and {StorePolicy.MaxCohortCapacity} (a trial cohort is a small group).");
        }
        if (v.IsValid && TimeSpan.FromHours(LastChanceBeforeHours ?? 24) >= TimeSpan.FromDays(QnaWindowDays ?? 7))
        {
            v.Add("journey.lastChanceBeforeHours", "'journey.lastChanceBeforeHours' must be shorter than the Q&A window.");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JourneySettings FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? Defaults : JsonSerializer.Deserialize<JourneySettings>(json, Json) ?? Defaults;

    private static TimeSpan Days(double? value, TimeSpan fallback) => value is { } d ? TimeSpan.FromDays(d) : fallback;

    private static TimeSpan Hours(double? value, TimeSpan fallback) => value is { } h ? TimeSpan.FromHours(h) : fallback;

    private static void Range(Validation v, string field, double? value, double max)
    {
        if (value is { } x && !(x > 0 && x <= max)) v.Add("journey." + field, $"'journey.{field}' must be more than 0 and at most {max.ToString(CultureInfo.InvariantCulture)}.");
    }

    private static void Clock(Validation v, string field, string? value)
    {
        if (value is not null && !TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            v.Add("journey." + field, $"'journey.{field}' is a local time of day as HH:mm, e.g. 21:00.");
        }
    }
}
