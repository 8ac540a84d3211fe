using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Purchases;
using Funnel.Core.Scans;
using Funnel.Core.Stores;

namespace Funnel.Core.Tests.Purchases;

public sealed class PurchasePlannerTests
{
    /// <summary>What a transaction holds: the store lane tells the planners (100, Table Storage's limit).</summary>
    private const int MaxActions = 100;

    private static readonly StorePolicy Policy = new(200, 20, TimeZoneInfo.Utc);
    private static readonly DateTimeOffset At = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 11, 20);
    private static readonly Member Lead = new("L1", "c1", null, "till", At.AddDays(-2), At.AddDays(-2), "c1", ["mass-1"], [], [], null, true);

    private static Purchase Sale(string id = "p1", decimal amount = 99.5m) =>
        new(id, "s1", "shopper", amount, "CNY", [new PurchaseItem("sku", 1, amount)], At, null);

    [Fact]
    public void Plan_UnattributedSale_CountsAStoreSaleOnly()
    {
        var plan = PurchasePlanner.Plan(Policy, [], [new PurchaseInput(Sale(), "L1", PurchasePart.Sale, AttributionDecision.Unattributed, null)], MaxActions);

        var (key, counts) = Assert.Single(plan.CounterDeltas);
        Assert.Equal(new CounterKey(Day, null), key);
        Assert.Equal(new FunnelCounts(0, 0, 0, StoreSales: 1, StoreSalesRevenue: 99.5m), counts);
        Assert.Empty(plan.MemberWrites);
        Assert.Equal(2, plan.ActionCount); // record + counter
    }

    [Fact]
    public void Plan_SameStoreCredit_CountsSaleAndConversionAndSeatsTheLeadInVip()
    {
        var decision = new AttributionDecision(AttributionKind.SameStore, "s1", "c1");

        var plan = PurchasePlanner.Plan(Policy, [new Group(GroupTier.Mass, 1, 200, 10)], [new PurchaseInput(Sale(), "L1", PurchasePart.Sale, decision, Lead)], MaxActions);

        Assert.Equal(new FunnelCounts(0, 0, 0, StoreSales: 1, StoreSalesRevenue: 99.5m), plan.CounterDeltas[new CounterKey(Day, null)]);
        Assert.Equal(new FunnelCounts(0, 0, 0, Purchases: 1, Revenue: 99.5m, FirstPurchases: 1), plan.CounterDeltas[new CounterKey(Day, "c1")]);
        var member = Assert.Single(plan.MemberWrites).Member;
        Assert.Equal(1, member.Purchases);
        Assert.True(member.IsConverted);
        Assert.Equal(["mass-1", "vip-1"], member.GroupIds);
        Assert.Equal("vip-1", Assert.Single(plan.ChangedGroups).GroupId);
        Assert.True(plan.Results[0].FirstPurchase);
    }

    [Fact]
    public void Plan_SecondPurchaseOfALead_IsARepurchaseAndKeepsTheVipSeat()
    {
        var decision = new AttributionDecision(AttributionKind.SameStore, "s1", "c1");
        var inputs = new[] { new PurchaseInput(Sale("p1"), "L1", PurchasePart.Sale, decision, Lead), new PurchaseInput(Sale("p2", 10m), "L1", PurchasePart.Sale, decision, Lead) };

        var plan = PurchasePlanner.Plan(Policy, [], inputs, MaxActions);

        Assert.Equal([true, false], plan.Results.Select(r => r.FirstPurchase));
        var clerk = plan.CounterDeltas[new CounterKey(Day, "c1")];
        Assert.Equal(2, clerk.Purchases);
        Assert.Equal(1, clerk.FirstPurchases);
        Assert.Equal(1, clerk.Repurchases);
        Assert.Equal(109.5m, clerk.Revenue);
        Assert.Equal(1, Assert.Single(plan.ChangedGroups).Members);
        Assert.Equal(2, Assert.Single(plan.MemberWrites).Member.Purchases);
    }

    [Fact]
    public void Plan_CrossStoreCredit_CountsTheConversionButNoSale()
    {
        var decision = new AttributionDecision(AttributionKind.CrossStore, "s2", "c1");

        var plan = PurchasePlanner.Plan(Policy, [], [new PurchaseInput(Sale(), "L1", PurchasePart.Credit, decision, Lead)], MaxActions);

        var (key, counts) = Assert.Single(plan.CounterDeltas);
        Assert.Equal(new CounterKey(Day, "c1"), key);
        Assert.Equal(new FunnelCounts(0, 0, 0, Purchases: 1, Revenue: 99.5m, FirstPurchases: 1, CrossStorePurchases: 1), counts);
    }

    [Fact]
    public void Plan_CrossStoreSalePart_CreditsNothingAtTheSellingStore()
    {
        var decision = new AttributionDecision(AttributionKind.CrossStore, "s2", "c1");

        var plan = PurchasePlanner.Plan(Policy, [], [new PurchaseInput(Sale(), "L1", PurchasePart.Sale, decision, null)], MaxActions);

        Assert.Equal(new FunnelCounts(0, 0, 0, StoreSales: 1, StoreSalesRevenue: 99.5m), Assert.Single(plan.CounterDeltas).Value);
        Assert.Empty(plan.MemberWrites);
    }

    [Fact]
    public void Plan_CountsOnThePurchasesLocalDay()
    {
        var shanghai = Policy with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai") };
        var late = Sale() with { PurchasedAt = new DateTimeOffset(2026, 11, 20, 17, 0, 0, TimeSpan.Zero) }; // 01:00 on the 21st there

        var plan = PurchasePlanner.Plan(shanghai, [], [new PurchaseInput(late, null, PurchasePart.Sale, AttributionDecision.Unattributed, null)], MaxActions);

        Assert.Equal(new DateOnly(2026, 11, 21), Assert.Single(plan.CounterDeltas).Key.Day);
    }
}
