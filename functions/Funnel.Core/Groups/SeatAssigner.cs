namespace Funnel.Core.Groups;

/// <summary>
/// The live code's rule: a shopper goes to the lowest-numbered group of the tier that has room;
/// when every group is full the next one opens, up to the store's maximum; past that there is no seat.
/// </summary>
public static class SeatAssigner
{
    /// <returns>The group that takes the seat (with the member counted), or null when the tier is at its maximum and full.</returns>
    public static Group? Assign(IReadOnlyList<Group> groups, GroupTier tier, int capacityForNewGroup, int maxGroupsOfTier)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Group? withRoom = null;
        var highestSequence = 0;
        var count = 0;
        foreach (var g in groups)
        {
            if (g.Tier != tier) continue;
            count++;
            highestSequence = Math.Max(highestSequence, g.Sequence);
            if (g.HasRoom && (withRoom is null || g.Sequence < withRoom.Sequence)) withRoom = g;
        }
        if (withRoom is not null) return withRoom with { Members = withRoom.Members + 1 };
        if (count >= maxGroupsOfTier || capacityForNewGroup < 1) return null;
        return new Group(tier, highestSequence + 1, capacityForNewGroup, 1);
    }
}
