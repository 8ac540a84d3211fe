namespace Funnel.Core.Groups;

/// <summary>The ladder of community groups (domain.md, "Layered groups").</summary>
public enum GroupTier
{
    Mass,
    Quality,
    Small,
    Vip,
}

public static class GroupTiers
{
    public static string Name(this GroupTier tier) => tier switch
    {
        GroupTier.Mass => "mass",
        GroupTier.Quality => "quality",
        GroupTier.Small => "small",
        GroupTier.Vip => "vip",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };

    public static bool TryParse(string? name, out GroupTier tier)
    {
        foreach (var t in Enum.GetValues<GroupTier>())
        {
            if (string.Equals(t.Name(), name, StringComparison.Ordinal))
            {
                tier = t;
                return true;
            }
        }
        tier = default;
        return false;
    }
}
