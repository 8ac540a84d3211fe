using Funnel.Core.WeCom;

namespace Funnel.Core.Tests.WeCom;

public sealed class JoinWayPlanTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static StoreChat Chat(string id, int members, int minute, bool dismissed = false) => new(id, members, dismissed, T.AddMinutes(minute));

    [Fact]
    public void TheWayListsTheGroupsWithRoom_OldestFirst_AtMostWeComsFive()
    {
        var chats = Enumerable.Range(0, 7).Select(i => Chat($"wr{i}", i == 1 ? 200 : 10, 10 - i)).ToList();
        Assert.Equal(["wr6", "wr5", "wr4", "wr3", "wr2"], JoinWayPlan.Listed(chats, capacity: 200, maxGroups: 5));
    }

    [Fact]
    public void AFullGroupRollsOver_ToTheNextWithRoom_AndADismissedOneIsNeverListed()
    {
        Assert.Equal(["b"], JoinWayPlan.Listed([Chat("a", 200, 0), Chat("b", 3, 1), Chat("c", 0, 2, dismissed: true)], 200, 5));
    }

    [Fact]
    public void WhenEveryGroupIsFull_TheNewestAloneIsListed_AndWeComOpensTheNext()
    {
        Assert.Equal(["b"], JoinWayPlan.Listed([Chat("a", 200, 0), Chat("b", 201, 1)], 200, 5));
        Assert.Empty(JoinWayPlan.Listed([Chat("a", 5, 0, dismissed: true)], 200, 5));
    }
}
