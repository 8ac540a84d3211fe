using Funnel.Core.Purchases;
using Funnel.Core.Scans;

namespace Funnel.Core.Tests.Purchases;

public sealed class AttributionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromDays(30);

    private static Candidate At(string store, string? clerk, DateTimeOffset firstScan, DateTimeOffset? lastScan = null) =>
        new(store, new Member("L1", clerk, null, "till", firstScan, lastScan ?? firstScan, clerk, [], [], [], null, false), Window);

    [Fact]
    public void Decide_MemberOfTheSellingStoreWithinWindow_CreditsStoreAndRecruitingClerk()
    {
        var decision = Attribution.Decide("s1", T0.AddDays(3), [At("s1", "c1", T0)]);

        Assert.Equal(new AttributionDecision(AttributionKind.SameStore, "s1", "c1"), decision);
    }

    [Fact]
    public void Decide_StoreCodeRecruit_CreditsTheStoreWithoutAClerk()
    {
        Assert.Equal(new AttributionDecision(AttributionKind.SameStore, "s1", null), Attribution.Decide("s1", T0.AddDays(1), [At("s1", null, T0)]));
    }

    [Fact]
    public void Decide_ExactlyAtTheWindowEdge_IsCredited_OneTickLater_IsNot()
    {
        var member = At("s1", "c1", T0.AddDays(-10), lastScan: T0);

        Assert.Equal(AttributionKind.SameStore, Attribution.Decide("s1", T0 + Window, [member]).Kind);
        Assert.Equal(AttributionKind.None, Attribution.Decide("s1", T0 + Window + TimeSpan.FromTicks(1), [member]).Kind);
    }

    [Fact]
    public void Decide_WindowRunsFromTheLastScan()
    {
        var rescanned = At("s1", "c1", T0, lastScan: T0.AddDays(25));

        Assert.Equal(AttributionKind.SameStore, Attribution.Decide("s1", T0.AddDays(50), [rescanned]).Kind);
    }

    [Fact]
    public void Decide_PurchaseBeforeTheFirstScan_IsNotCredited()
    {
        Assert.Equal(AttributionDecision.Unattributed, Attribution.Decide("s1", T0.AddMinutes(-1), [At("s1", "c1", T0)]));
    }

    [Fact]
    public void Decide_RecruitedElsewhere_IsACrossStoreCreditToThatStoreAndClerk()
    {
        Assert.Equal(new AttributionDecision(AttributionKind.CrossStore, "s2", "c7"), Attribution.Decide("s1", T0.AddDays(2), [At("s2", "c7", T0)]));
    }

    [Fact]
    public void Decide_SellingStoreWindowPassedButAnotherStoresOpen_IsCrossStore()
    {
        var decision = Attribution.Decide("s1", T0.AddDays(40), [At("s1", "c1", T0), At("s2", "c2", T0.AddDays(20))]);

        Assert.Equal(new AttributionDecision(AttributionKind.CrossStore, "s2", "c2"), decision);
    }

    [Fact]
    public void Decide_SeveralOtherStores_TheMostRecentlyScannedWins()
    {
        var decision = Attribution.Decide("s9", T0.AddDays(10), [At("s2", "c2", T0, T0.AddDays(5)), At("s3", "c3", T0, T0.AddDays(8)), At("s4", "c4", T0)]);

        Assert.Equal("s3", decision.StoreId);
    }

    [Fact]
    public void Decide_SellingStoreBeatsAMoreRecentOtherStore()
    {
        var decision = Attribution.Decide("s1", T0.AddDays(10), [At("s2", "c2", T0, T0.AddDays(9)), At("s1", "c1", T0)]);

        Assert.Equal(AttributionKind.SameStore, decision.Kind);
    }

    [Fact]
    public void Decide_UnknownShopper_IsNotCredited()
    {
        Assert.Equal(AttributionDecision.Unattributed, Attribution.Decide("s1", T0, []));
    }

    [Fact]
    public void Decide_EveryWindowPassed_IsNotCredited()
    {
        Assert.Equal(AttributionKind.None, Attribution.Decide("s1", T0.AddDays(90), [At("s1", "c1", T0), At("s2", "c2", T0)]).Kind);
    }
}
