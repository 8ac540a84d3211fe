using Funnel.Core.Journeys;

namespace Funnel.Core.Audience;

/// <summary>
/// Which leads a segment picks: every condition given must hold (an empty filter picks every member in scope).
/// Days count back from the moment it is evaluated. Last activity is the latest of the lead's scans, journey
/// engagement and purchases at the store.
/// </summary>
public sealed record SegmentFilter
{
    public IReadOnlyList<string>? TagsAll { get; init; }
    public IReadOnlyList<string>? TagsAny { get; init; }
    public IReadOnlyList<string>? TagsNone { get; init; }
    public IReadOnlyList<string>? Stages { get; init; }
    public bool? Koc { get; init; }
    public long? MinPoints { get; init; }
    public long? MaxPoints { get; init; }
    public int? ActiveWithinDays { get; init; }
    public int? InactiveForDays { get; init; }
    public bool? Purchased { get; init; }
    public int? PurchasedWithinDays { get; init; }
    public int? NotPurchasedForDays { get; init; }
    public decimal? MinSpent { get; init; }

    public const int MaxDays = 3650;
    public const int MaxTags = 10;

    /// <summary>The journey row is read only when a condition needs it.</summary>
    public bool NeedsJourney => Stages is { Count: > 0 } || ActiveWithinDays is not null || InactiveForDays is not null;

    /// <summary>The points balance (a point read per lead still in) only when a condition needs it.</summary>
    public bool NeedsPoints => MinPoints is not null || MaxPoints is not null;

    /// <summary>A required tag that has an index: the store's members are then read through it, not all of them.</summary>
    public string? IndexTag => TagsAll?.FirstOrDefault(LeadTags.IsIndexed);

    /// <summary>Every condition but points (read last, for the few left).</summary>
    public bool MatchesMember(SegmentCandidate c, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (TagsAll is { Count: > 0 } all && !all.All(c.Tags.Contains)) return false;
        if (TagsAny is { Count: > 0 } any && !any.Any(c.Tags.Contains)) return false;
        if (TagsNone is { Count: > 0 } none && none.Any(c.Tags.Contains)) return false;
        if (Stages is { Count: > 0 } stages && !stages.Contains(c.Stage ?? JourneyStage.Awareness.Name())) return false;
        if (Koc is { } koc && c.IsKoc != koc) return false;
        if (ActiveWithinDays is { } active && c.LastActivityAt < now.AddDays(-active)) return false;
        if (InactiveForDays is { } inactive && c.LastActivityAt >= now.AddDays(-inactive)) return false;
        if (Purchased is { } purchased && (c.Purchases > 0) != purchased) return false;
        if (PurchasedWithinDays is { } within && (c.LastPurchaseAt is not { } last || last < now.AddDays(-within))) return false;
        if (NotPurchasedForDays is { } notFor && c.LastPurchaseAt is { } lastBuy && lastBuy >= now.AddDays(-notFor)) return false;
        if (MinSpent is { } min && c.Spent < min) return false;
        return true;
    }

    public bool MatchesPoints(long balance) => (MinPoints is not { } min || balance >= min) && (MaxPoints is not { } max || balance <= max);

    /// <summary>What is wrong with the filter, by field (empty: nothing).</summary>
    public Dictionary<string, string> Errors()
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, tags) in new[] { ("tagsAll", TagsAll), ("tagsAny", TagsAny), ("tagsNone", TagsNone) })
        {
            if (tags is null) continue;
            if (tags.Count > MaxTags) errors[$"filter.{name}"] = $"At most {MaxTags} tags.";
            else if (tags.FirstOrDefault(t => !LeadTags.IsWellFormed(t)) is { } bad)
            {
                errors[$"filter.{name}"] = $"'{bad}' is not a tag: a manual tag (lowercase letters, digits, '-'), a behaviour tag ({string.Join(", ", LeadTags.Behaviours)}), or channel:{{id}} / clerk:{{id}} / campaign:{{id}}.";
            }
        }
        var stageNames = Enum.GetValues<JourneyStage>().Select(s => s.Name()).ToList();
        if (Stages?.FirstOrDefault(s => !stageNames.Contains(s)) is { } stage)
        {
            errors["filter.stages"] = $"'{stage}' is not a stage; stages are {string.Join(", ", stageNames)}.";
        }
        foreach (var (name, days) in new[] { ("activeWithinDays", ActiveWithinDays), ("inactiveForDays", InactiveForDays), ("purchasedWithinDays", PurchasedWithinDays), ("notPurchasedForDays", NotPurchasedForDays) })
        {
            if (days is < 1 or > MaxDays) errors[$"filter.{name}"] = $"{name} is a number of days, 1 to {MaxDays}.";
        }
        if (MinPoints is < 0) errors["filter.minPoints"] = "minPoints is 0 or more.";
        if (MaxPoints is < 0) errors["filter.maxPoints"] = "maxPoints is 0 or more.";
        if (MinPoints is { } lo && MaxPoints is { } hi && lo > hi) errors["filter.maxPoints"] = "maxPoints is at least minPoints.";
        if (MinSpent is < 0) errors["filter.minSpent"] = "minSpent is an amount, 0 or more.";
        return errors;
    }
}

/// <summary>A member as a segment sees it.</summary>
public sealed record SegmentCandidate(
    string LeadId, string StoreId, IReadOnlyList<string> Tags, string? Stage, DateTimeOffset LastActivityAt, int Purchases, DateTimeOffset? LastPurchaseAt,
    decimal Spent, bool IsKoc);

/// <summary>Where a segment looks: the whole chain, a region's stores, or one store.</summary>
public sealed record SegmentScope(string Kind, string? Region = null, string? StoreId = null)
{
    public const string Chain = "chain";
    public const string RegionKind = "region";
    public const string Store = "store";
}
