using Funnel.Core.Audience;
using Funnel.Core.Journeys;

namespace Funnel.Core.Tests.Audience;

public sealed class AudienceRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 4, 0, 0, TimeSpan.Zero); // 12:00 in Shanghai
    private static readonly JourneyPolicy Shanghai = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));

    private static SegmentCandidate Member(string[]? tags = null, int purchases = 0, DateTimeOffset? lastBuy = null, decimal spent = 0, string? stage = null,
        DateTimeOffset? active = null, bool koc = false) =>
        new("lead", "s1", tags ?? [], stage, active ?? Now.AddDays(-1), purchases, lastBuy, spent, koc);

    [Fact]
    public void A_filter_holds_only_when_every_condition_does()
    {
        var dormantBuyers = new SegmentFilter { TagsAll = ["did:go-dormant"], Purchased = true, NotPurchasedForDays = 30, MinSpent = 100m };

        Assert.True(dormantBuyers.MatchesMember(Member(["did:go-dormant"], 2, Now.AddDays(-40), 150m), Now));
        Assert.False(dormantBuyers.MatchesMember(Member(["did:go-dormant"], 2, Now.AddDays(-10), 150m), Now)); // bought lately
        Assert.False(dormantBuyers.MatchesMember(Member(["did:go-dormant"], 2, Now.AddDays(-40), 50m), Now)); // spent too little
        Assert.False(dormantBuyers.MatchesMember(Member([], 2, Now.AddDays(-40), 150m), Now)); // not tagged
        Assert.True(new SegmentFilter().MatchesMember(Member(), Now));
        Assert.False(new SegmentFilter { TagsNone = ["vip"] }.MatchesMember(Member(["vip"]), Now));
        Assert.True(new SegmentFilter { TagsAny = ["a", "vip"] }.MatchesMember(Member(["vip"]), Now));
        Assert.False(new SegmentFilter { Stages = ["qna"] }.MatchesMember(Member(stage: "trial"), Now));
        Assert.True(new SegmentFilter { InactiveForDays = 14 }.MatchesMember(Member(active: Now.AddDays(-15)), Now));
        Assert.False(new SegmentFilter { ActiveWithinDays = 14 }.MatchesMember(Member(active: Now.AddDays(-15)), Now));
        Assert.True(new SegmentFilter { Koc = true }.MatchesMember(Member(koc: true), Now));
        Assert.True(new SegmentFilter { MinPoints = 10, MaxPoints = 20 }.MatchesPoints(10));
        Assert.False(new SegmentFilter { MinPoints = 10 }.MatchesPoints(9));
    }

    [Fact]
    public void A_filter_says_what_is_wrong_with_it()
    {
        var errors = new SegmentFilter { TagsAll = ["Not A Tag"], Stages = ["nowhere"], InactiveForDays = 0, MinPoints = 5, MaxPoints = 1 }.Errors();

        Assert.Contains("not a tag", errors["filter.tagsAll"], StringComparison.Ordinal);
        Assert.Contains("awareness", errors["filter.stages"], StringComparison.Ordinal);
        Assert.Contains("days", errors["filter.inactiveForDays"], StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("filter.maxPoints"));
        Assert.Empty(new SegmentFilter { TagsAll = ["vip", "did:purchase", "channel:till", "campaign:spring"] }.Errors());
    }

    [Fact]
    public void Tags_are_manual_behaviour_or_source_and_only_the_first_two_are_indexed()
    {
        Assert.True(LeadTags.IsManual("vip-prospect"));
        Assert.False(LeadTags.IsManual("did:purchase"));
        Assert.False(LeadTags.IsManual("VIP"));
        Assert.True(LeadTags.IsIndexed("did:go-dormant"));
        Assert.False(LeadTags.IsIndexed("channel:till"));
        Assert.Equal("did:go-dormant", new SegmentFilter { TagsAll = ["channel:till", "did:go-dormant"] }.IndexTag);
    }

    [Fact]
    public void An_opt_out_stops_its_channel_or_everything_and_only_an_opt_in_lifts_it()
    {
        var wecomOut = ConsentState.Default.After(false, ConsentState.WeCom, Now, "page:x", "v1");
        Assert.False(wecomOut.Allows(ConsentState.WeCom));
        Assert.True(wecomOut.Allows(ConsentState.Web));
        var allOut = wecomOut.After(false, ConsentState.All, Now, "staff:clerk", null);
        Assert.False(allOut.Allows(ConsentState.Web));
        Assert.False(allOut.After(true, ConsentState.WeCom, Now, "page:x", "v2").Allows(ConsentState.WeCom)); // still out brand-wide
        Assert.True(allOut.After(true, ConsentState.All, Now, "page:x", "v2").Allows(ConsentState.WeCom));
    }

    [Fact]
    public void A_send_obeys_consent_quiet_hours_the_cap_and_wecom_in_that_order()
    {
        var rules = new BroadcastRules(MaxPerWindow: 2, WindowDays: 7);
        var optedOut = ConsentState.Default.After(false, ConsentState.All, Now, "page", null);
        Assert.Equal(BroadcastRules.OptedOut, rules.Decide("b", optedOut, ConsentState.Web, [], Shanghai, Now).Reason);

        var night = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.Zero); // 22:00 in Shanghai
        var deferred = rules.Decide("b", ConsentState.Default, ConsentState.Web, [], Shanghai, night);
        Assert.Equal(BroadcastDecision.Defer, deferred.Outcome);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), deferred.DeferredTo); // 09:00 the next morning

        IReadOnlyList<Received> two = [new("a", Now.AddDays(-6), false), new("c", Now.AddDays(-1), false)];
        Assert.Equal(BroadcastRules.FrequencyCap, rules.Decide("b", ConsentState.Default, ConsentState.Web, two, Shanghai, Now).Reason);
        Assert.Equal(BroadcastDecision.Send, rules.Decide("b", ConsentState.Default, ConsentState.Web, [two[1], new("a", Now.AddDays(-8), false)], Shanghai, Now).Outcome);
        Assert.Equal(BroadcastDecision.Send, rules.Decide("a", ConsentState.Default, ConsentState.Web, two, Shanghai, Now).Outcome); // its own: a re-run

        IReadOnlyList<Received> todayOnWeCom = [new("a", Now.AddHours(-2), true)];
        Assert.Equal(BroadcastRules.WeComDailyLimit, rules.Decide("b", ConsentState.Default, ConsentState.WeCom, todayOnWeCom, Shanghai, Now).Reason);
        Assert.Equal(BroadcastDecision.Send, rules.Decide("b", ConsentState.Default, ConsentState.Web, todayOnWeCom, Shanghai, Now).Outcome);

        var kept = rules.Remember(two, new Received("b", Now, false), Now, keepDays: 3);
        Assert.Equal(["a", "c", "b"], kept.Select(r => r.BroadcastId));
        Assert.Equal(["b"], rules.Remember([new("old", Now.AddDays(-30), false)], new Received("b", Now, false), Now, 3).Select(r => r.BroadcastId));
    }
}
