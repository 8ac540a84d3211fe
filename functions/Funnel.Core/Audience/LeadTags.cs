using System.Text.RegularExpressions;
using Funnel.Core.Journeys;

namespace Funnel.Core.Audience;

/// <summary>
/// A lead's tags at a store. Three kinds, told apart by their prefix:
/// <list type="bullet">
/// <item>"channel:{channel}", "clerk:{id}" and "campaign:{id}": where the lead came from (set by its scan or a share link);</item>
/// <item>"did:{behaviour}": what the lead did (<see cref="Behaviours"/>), recorded from events;</item>
/// <item>no prefix: a manual tag a clerk sets (<see cref="IsManual"/>).</item>
/// </list>
/// Behaviour and manual tags are indexed (<see cref="IsIndexed"/>): a segment that requires one reads the tagged leads
/// alone, not every member.
/// </summary>
public static partial class LeadTags
{
    public const string BehaviourPrefix = "did:";
    public const int MaxManualLength = 40;

    public const string OpenedContent = "did:open-content";
    public const string BookedTrial = "did:book-trial";
    public const string CompletedTrial = "did:complete-trial";
    public const string AskedQuestion = "did:ask-question";
    public const string Purchased = "did:purchase";
    public const string Shared = "did:share";
    public const string Redeemed = "did:redeem";
    public const string WentDormant = "did:go-dormant";

    public static readonly IReadOnlyList<string> Behaviours =
        [OpenedContent, BookedTrial, CompletedTrial, AskedQuestion, Purchased, Shared, Redeemed, WentDormant];

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,39}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ManualPattern();

    public static bool IsManual(string? tag) => tag is not null && ManualPattern().IsMatch(tag);

    public static bool IsIndexed(string tag) => IsManual(tag) || Behaviours.Contains(tag);

    /// <summary>A tag a segment may name: any well-formed tag of the three kinds.</summary>
    public static bool IsWellFormed(string? tag) =>
        tag is { Length: > 0 and <= 80 } && (IsManual(tag) || Behaviours.Contains(tag)
            || (tag.StartsWith("channel:", StringComparison.Ordinal) && Ids.IsValid(tag["channel:".Length..]))
            || (tag.StartsWith("clerk:", StringComparison.Ordinal) && Ids.IsValid(tag["clerk:".Length..]))
            || (tag.StartsWith("campaign:", StringComparison.Ordinal) && Ids.IsValid(tag["campaign:".Length..])));

    public const string DescribeManual =
        "A manual tag is 1-40 characters: lowercase letters, digits and '-', starting with a letter or digit (\"channel:\", \"clerk:\", \"campaign:\" and \"did:\" tags are the system's).";

    /// <summary>The behaviour tags a committed journey step earns the lead (idempotent: a tag the lead has is not added again).</summary>
    public static IReadOnlyList<string> Of(JourneyStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var tags = new List<string>();
        foreach (var metric in step.Metrics)
        {
            var tag = metric.Metric switch
            {
                FunnelMetric.TrialBooked => BookedTrial,
                FunnelMetric.TrialCompleted => CompletedTrial,
                FunnelMetric.Question => AskedQuestion,
                _ => null,
            };
            if (tag is not null && !tags.Contains(tag)) tags.Add(tag);
        }
        if (step.Before?.Stage != step.After.Stage)
        {
            if (step.After.Stage == JourneyStage.Converted) tags.Add(Purchased);
            if (step.After.Stage == JourneyStage.Dormant) tags.Add(WentDormant);
        }
        if (step.After.History.Count > 0 && step.After.History[^1].What == "content opened" && step.After.History[^1].At == step.After.LastEngagedAt) tags.Add(OpenedContent);
        return tags;
    }
}
