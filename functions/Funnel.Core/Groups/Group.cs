namespace Funnel.Core.Groups;

/// <summary>
/// One community group of a store. Its capacity is fixed when it opens (a messaging-app group has
/// a hard cap), so a later change of the store's default capacity never overfills an open group.
/// </summary>
public sealed record Group(GroupTier Tier, int Sequence, int Capacity, int Members)
{
    public string GroupId => IdFor(Tier, Sequence);

    public bool HasRoom => Members < Capacity;

    public string Status => HasRoom ? "open" : "full";

    public static string IdFor(GroupTier tier, int sequence) => $"{tier.Name()}-{sequence}";

    public static bool TryParseId(string groupId, out GroupTier tier, out int sequence)
    {
        sequence = 0;
        var dash = groupId.LastIndexOf('-');
        return GroupTiers.TryParse(dash > 0 ? groupId[..dash] : null, out tier)
               && int.TryParse(groupId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, null, out sequence)
               && sequence > 0;
    }
}
