using Funnel.Core.Codes;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Scans;
using Funnel.Core.Stores;
using Microsoft.Extensions.Time.Testing;

namespace Funnel.Core.Tests.Scans;

public sealed class ScanPlannerTests
{
    /// <summary>What a transaction holds: the store lane tells the planners (100, Table Storage's limit).</summary>
    private const int MaxActions = 100;

    private static readonly StorePolicy Policy = new(200, 20, TimeZoneInfo.Utc);
    private static readonly EntryCode StoreCode = new("s1", null, null, "door");
    private static readonly EntryCode ClerkCode = new("s1", "c1", "spring", "till");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    private static ScanInput Scan(string lead, EntryCode? code = null, Member? member = null, string? scanId = null) =>
        new(lead, scanId, code ?? StoreCode, IsNewLead: member is null, member);

    private Member Existing(string lead, string? clerk, IReadOnlyList<string> groups, IReadOnlyList<string>? scanIds = null, string? firstScanId = null) =>
        new(lead, clerk, null, "door", _time.GetUtcNow().AddDays(-3), _time.GetUtcNow().AddDays(-3), clerk, groups, ["channel:door"], scanIds ?? [], firstScanId, NewToBrand: true);

    private DateOnly Today => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    [Fact]
    public void Plan_NewLead_IsSeatedCountedAndInserted()
    {
        var plan = ScanPlanner.Plan(Policy, [], [Scan("L1", ClerkCode)], _time.GetUtcNow(), MaxActions);

        var result = Assert.Single(plan.Results);
        Assert.True(result.IsNewAtStore);
        Assert.Equal("mass-1", result.Seat!.GroupId);
        Assert.Equal("c1", result.ClerkId);
        var write = Assert.Single(plan.MemberWrites);
        Assert.Equal(MemberWriteKind.Insert, write.Kind);
        Assert.Equal(["mass-1"], write.Member.GroupIds);
        Assert.Equal(["channel:till", "clerk:c1", "campaign:spring"], write.Member.Tags);
        // Counted once, on the clerk's row: the store's total is the sum of its rows.
        Assert.Equal(new FunnelCounts(1, 1, 1), Assert.Single(plan.CounterDeltas, d => d.Key == new CounterKey(Today, "c1")).Value);
        Assert.Single(plan.CounterDeltas);
        // member + group + counter
        Assert.Equal(3, plan.ActionCount);
    }

    [Fact]
    public void Plan_ReturningSeatedLead_KeepsItsSeatAndCountsOnlyTheScan()
    {
        var groups = new[] { new Group(GroupTier.Mass, 1, 200, 10) };
        var member = Existing("L1", null, ["mass-1"]);

        var plan = ScanPlanner.Plan(Policy, groups, [Scan("L1", ClerkCode, member)], _time.GetUtcNow(), MaxActions);

        var result = Assert.Single(plan.Results);
        Assert.False(result.IsNewAtStore);
        Assert.Equal(new Group(GroupTier.Mass, 1, 200, 10), result.Seat);
        Assert.Empty(plan.ChangedGroups);
        Assert.Equal(new FunnelCounts(1, 0, 0), plan.CounterDeltas[new CounterKey(Today, "c1")]);
        var write = Assert.Single(plan.MemberWrites);
        Assert.Equal(MemberWriteKind.Update, write.Kind);
        Assert.Equal(_time.GetUtcNow(), write.Member.LastScanAt);
        Assert.Equal("c1", write.Member.ClerkId); // a store-code recruit is taken over by the first clerk who serves them
        Assert.Contains("clerk:c1", write.Member.Tags);
    }

    [Fact]
    public void Plan_ReturningLeadOfAnotherClerk_KeepsTheRecruitingClerk()
    {
        var member = Existing("L1", "c9", ["mass-1"]);

        var plan = ScanPlanner.Plan(Policy, [new Group(GroupTier.Mass, 1, 200, 1)], [Scan("L1", ClerkCode, member)], _time.GetUtcNow(), MaxActions);

        Assert.Equal("c9", plan.MemberWrites[0].Member.ClerkId);
        Assert.Equal("c1", plan.MemberWrites[0].Member.LastClerkId);
    }

    [Fact]
    public void Plan_SameLeadManyTimesInOneBatch_TakesOneSeatAndOneMemberWrite()
    {
        var inputs = Enumerable.Range(0, 20).Select(_ => Scan("L1")).ToList();

        var plan = ScanPlanner.Plan(Policy, [], inputs, _time.GetUtcNow(), MaxActions);

        Assert.Equal(20, plan.Accepted);
        Assert.Single(plan.MemberWrites);
        Assert.Equal(MemberWriteKind.Insert, plan.MemberWrites[0].Kind);
        Assert.Equal(1, Assert.Single(plan.ChangedGroups).Members);
        Assert.Equal(new FunnelCounts(20, 1, 1), plan.CounterDeltas[new CounterKey(Today, null)]);
        Assert.Single(plan.Results, r => r.IsNewAtStore);
        Assert.All(plan.Results, r => Assert.Equal("mass-1", r.Seat!.GroupId));
    }

    [Fact]
    public void Plan_500NewLeadsInBatches_FillGroupsOf200_200_100()
    {
        IReadOnlyList<Group> groups = [];
        var pending = Enumerable.Range(0, 500).Select(i => Scan($"L{i}")).ToList();
        var seated = new Dictionary<string, string>();
        var totals = default(FunnelCounts);

        while (pending.Count > 0)
        {
            var plan = ScanPlanner.Plan(Policy, groups, pending, _time.GetUtcNow(), MaxActions);
            Assert.InRange(plan.ActionCount, 1, MaxActions);
            groups = plan.Groups;
            totals += plan.CounterDeltas[new CounterKey(Today, null)];
            foreach (var r in plan.Results) seated.Add(r.LeadId, r.Seat!.GroupId);
            pending = pending.Skip(plan.Accepted).ToList();
        }

        Assert.Equal([200, 200, 100], groups.OrderBy(g => g.Sequence).Select(g => g.Members));
        Assert.Equal(500, seated.Count);
        Assert.Equal(new FunnelCounts(500, 500, 500), totals);
    }

    [Fact]
    public void Plan_MoreThanFitsInOneTransaction_DefersTheRest()
    {
        var inputs = Enumerable.Range(0, 150).Select(i => Scan($"L{i}")).ToList();

        var plan = ScanPlanner.Plan(Policy, [], inputs, _time.GetUtcNow(), MaxActions);

        // one member row a new lead, plus the group and the counter they share
        Assert.Equal(98, plan.Accepted);
        Assert.Equal(100, plan.ActionCount);
    }

    [Fact]
    public void Plan_RetriedScanId_IsAReplayThatWritesAndCountsNothing()
    {
        var member = Existing("L1", null, ["mass-1"], scanIds: ["first", "second"], firstScanId: "first");
        var groups = new[] { new Group(GroupTier.Mass, 1, 200, 5) };

        var plan = ScanPlanner.Plan(Policy, groups, [Scan("L1", member: member, scanId: "second"), Scan("L1", member: member, scanId: "first")], _time.GetUtcNow(), MaxActions);

        Assert.All(plan.Results, r => Assert.True(r.Replayed));
        Assert.Equal([false, true], plan.Results.Select(r => r.IsNewAtStore));
        Assert.Equal([false, true], plan.Results.Select(r => r.IsNewLead));
        Assert.All(plan.Results, r => Assert.Equal("mass-1", r.Seat!.GroupId));
        Assert.Empty(plan.MemberWrites);
        Assert.Empty(plan.CounterDeltas);
        Assert.Equal(0, plan.ActionCount);
    }

    [Fact]
    public void Plan_SameScanIdTwiceInOneBatch_CountsOnce()
    {
        var plan = ScanPlanner.Plan(Policy, [], [Scan("L1", scanId: "s-1"), Scan("L1", scanId: "s-1")], _time.GetUtcNow(), MaxActions);

        Assert.Equal([false, true], plan.Results.Select(r => r.Replayed));
        Assert.Equal(new FunnelCounts(1, 1, 1), Assert.Single(plan.CounterDeltas).Value);
        Assert.Equal(["s-1"], Assert.Single(plan.MemberWrites).Member.RecentScanIds);
    }

    [Fact]
    public void Plan_RecentScanIds_KeepsOnlyTheLastEight()
    {
        var member = Existing("L1", null, ["mass-1"], scanIds: [.. Enumerable.Range(1, 8).Select(i => $"s{i}")]);

        var plan = ScanPlanner.Plan(Policy, [new Group(GroupTier.Mass, 1, 200, 1)], [Scan("L1", member: member, scanId: "s9")], _time.GetUtcNow(), MaxActions);

        Assert.Equal([.. Enumerable.Range(2, 8).Select(i => $"s{i}")], plan.MemberWrites[0].Member.RecentScanIds);
    }

    [Fact]
    public void Plan_EveryGroupFull_RecordsTheLeadWithoutASeat()
    {
        var tiny = Policy with { GroupCapacity = 1, MaxGroupsPerTier = 1 };

        var plan = ScanPlanner.Plan(tiny, [new Group(GroupTier.Mass, 1, 1, 1)], [Scan("L2")], _time.GetUtcNow(), MaxActions);

        Assert.Null(plan.Results[0].Seat);
        Assert.Empty(plan.ChangedGroups);
        Assert.Empty(plan.MemberWrites[0].Member.GroupIds);
        Assert.Equal(new FunnelCounts(1, 1, 0), plan.CounterDeltas[new CounterKey(Today, null)]);
    }

    [Fact]
    public void Plan_UnseatedMemberWhenRoomAppears_IsSeatedAndCountedAsJoined()
    {
        var member = Existing("L2", null, []);

        var plan = ScanPlanner.Plan(Policy, [new Group(GroupTier.Mass, 1, 1, 1)], [Scan("L2", member: member)], _time.GetUtcNow(), MaxActions);

        Assert.Equal("mass-2", plan.Results[0].Seat!.GroupId);
        Assert.False(plan.Results[0].IsNewAtStore);
        Assert.Equal(new FunnelCounts(1, 0, 1), plan.CounterDeltas[new CounterKey(Today, null)]);
    }

    [Fact]
    public void Plan_CountsOnTheStoresLocalDay()
    {
        var shanghai = Policy with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai") };
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 16, 30, 0, TimeSpan.Zero)); // 00:30 on the 24th in Shanghai

        var plan = ScanPlanner.Plan(shanghai, [], [Scan("L1")], _time.GetUtcNow(), MaxActions);

        Assert.Equal(new DateOnly(2026, 11, 24), Assert.Single(plan.CounterDeltas).Key.Day);
    }
}
