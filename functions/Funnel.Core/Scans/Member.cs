using Funnel.Core.Groups;

namespace Funnel.Core.Scans;

/// <summary>
/// A lead as one store knows it: who recruited them (the first clerk whose code they scanned),
/// who served them last, when they scanned first and last, their seats and their tags.
/// </summary>
public sealed record Member(
    string LeadId,
    string? ClerkId,
    string? CampaignId,
    string Channel,
    DateTimeOffset FirstScanAt,
    DateTimeOffset LastScanAt,
    string? LastClerkId,
    IReadOnlyList<string> GroupIds,
    IReadOnlyList<string> Tags)
{
    public string? GroupIdOfTier(GroupTier tier)
    {
        foreach (var id in GroupIds)
        {
            if (Group.TryParseId(id, out var t, out _) && t == tier) return id;
        }
        return null;
    }
}
