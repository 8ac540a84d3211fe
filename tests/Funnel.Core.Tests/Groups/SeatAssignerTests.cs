using Funnel.Core.Groups;

namespace Funnel.Core.Tests.Groups;

public sealed class SeatAssignerTests
{
    [Fact]
    public void Assign_NoGroups_OpensTheFirst()
    {
        var seat = SeatAssigner.Assign([], GroupTier.Mass, capacityForNewGroup: 200, maxGroupsOfTier: 3);

        Assert.Equal(new Group(GroupTier.Mass, 1, 200, 1), seat);
        Assert.Equal("mass-1", seat!.GroupId);
    }

    [Fact]
    public void Assign_GroupWithRoom_AddsToIt()
    {
        var seat = SeatAssigner.Assign([new Group(GroupTier.Mass, 1, 200, 57)], GroupTier.Mass, 200, 3);

        Assert.Equal(new Group(GroupTier.Mass, 1, 200, 58), seat);
    }

    [Fact]
    public void Assign_LowestNumberedGroupWithRoom_IsChosen()
    {
        Group[] groups = [new(GroupTier.Mass, 2, 10, 3), new(GroupTier.Mass, 1, 10, 9), new(GroupTier.Mass, 3, 10, 0)];

        Assert.Equal(1, SeatAssigner.Assign(groups, GroupTier.Mass, 10, 5)!.Sequence);
    }

    [Fact]
    public void Assign_AllFull_OpensTheNextGroup()
    {
        Group[] groups = [new(GroupTier.Mass, 1, 200, 200), new(GroupTier.Mass, 2, 200, 200)];

        Assert.Equal(new Group(GroupTier.Mass, 3, 200, 1), SeatAssigner.Assign(groups, GroupTier.Mass, 200, 3));
    }

    [Fact]
    public void Assign_AllFullAtTheMaximum_GivesNoSeat()
    {
        Group[] groups = [new(GroupTier.Mass, 1, 2, 2), new(GroupTier.Mass, 2, 2, 2)];

        Assert.Null(SeatAssigner.Assign(groups, GroupTier.Mass, 2, 2));
    }

    [Fact]
    public void Assign_GroupKeepsItsOwnCapacity_WhenTheStoreDefaultChanges()
    {
        // The store lowered its default to 50; the open group was opened at 200 and fills to 200.
        var seat = SeatAssigner.Assign([new Group(GroupTier.Mass, 1, 200, 120)], GroupTier.Mass, 50, 3);

        Assert.Equal(new Group(GroupTier.Mass, 1, 200, 121), seat);
    }

    [Fact]
    public void Assign_OtherTiers_DoNotCount()
    {
        Group[] groups = [new(GroupTier.Vip, 1, 5, 5), new(GroupTier.Vip, 2, 5, 5)];

        Assert.Equal(new Group(GroupTier.Mass, 1, 200, 1), SeatAssigner.Assign(groups, GroupTier.Mass, 200, 2));
    }

    [Theory]
    [InlineData("mass-1", true, GroupTier.Mass, 1)]
    [InlineData("vip-12", true, GroupTier.Vip, 12)]
    [InlineData("mass-0", false, GroupTier.Mass, 0)]
    [InlineData("gold-1", false, GroupTier.Mass, 0)]
    [InlineData("mass-x", false, GroupTier.Mass, 0)]
    public void TryParseId_ReadsTierAndSequence(string id, bool ok, GroupTier tier, int sequence)
    {
        Assert.Equal(ok, Group.TryParseId(id, out var t, out var s));
        if (ok)
        {
            Assert.Equal(tier, t);
            Assert.Equal(sequence, s);
        }
    }
}
