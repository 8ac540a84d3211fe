using Funnel.Core.Points;

namespace Funnel.Core.Tests.Points;

public sealed class PointsRulesTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheRulesInEffect_AreTheLatestStartedByTheEvent()
    {
        PointsRules[] versions = [new(10, 0, 0, 1, T), new(20, 0, 0, 2, T.AddDays(1))];
        Assert.Equal(PointsRules.None, PointsRules.InEffect(versions, T.AddSeconds(-1)));
        Assert.Equal(10, PointsRules.InEffect(versions, T.AddHours(23)).Joining);
        Assert.Equal(20, PointsRules.InEffect(versions, T.AddDays(2)).Joining);
    }

    [Theory]
    [InlineData(88.5, 1, 88)]
    [InlineData(0.99, 1, 0)]
    [InlineData(100, 0.5, 50)]
    [InlineData(-5, 1, 0)]
    public void APurchaseEarnsItsAmountTimesTheRate_Floored(decimal amount, decimal rate, long points) =>
        Assert.Equal(points, new PointsRules(0, 0, 0, rate, T).ForPurchase(amount));

    [Fact]
    public void RefundsTakeBackTheirShare_AndAllOfThemTogether_NeverMoreThanTheAward()
    {
        // 88 points for 88.50: three refunds of 29.50 take back 30, 29 and 29 (cumulative shares, rounded up).
        long Cumulative(decimal refunded) => PointsRules.ForRefund(88, 88.5m, refunded, 0);
        var takes = new[] { Cumulative(29.5m) - Cumulative(0), Cumulative(59m) - Cumulative(29.5m), Cumulative(88.5m) - Cumulative(59m) };
        Assert.Equal([30L, 29L, 29L], takes);
        Assert.Equal(88, PointsRules.ForRefund(88, 88.5m, 500m, 0));
        Assert.Equal(8, PointsRules.ForRefund(88, 88.5m, 88.5m, 80));
    }

    [Fact]
    public void Referrals_EarnUnderTheDailyCap_AndPastItAreCountedWithNoPoints()
    {
        var day = new DateOnly(2026, 12, 1);
        var (b, first) = PointsBalance.Empty.Referral(day, 5, cap: 1);
        var (b2, second) = b.Referral(day, 5, cap: 1);
        var (b3, nextDay) = b2.Referral(day.AddDays(1), 5, cap: 1);
        Assert.Equal((5L, 0L, 5L), (first, second, nextDay));
        Assert.Equal((10L, 1), (b3.Balance, b3.ReferralsThatDay));
        Assert.Equal(2, b2.ReferralsThatDay);
    }

    [Theory]
    [InlineData("ref-0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData("ref-not-a-lead", null)]
    [InlineData("poster", null)]
    public void AShareCodesChannel_NamesItsReferrer(string channel, string? referrer) => Assert.Equal(referrer, Funnel.Core.Kocs.LeadChannel.Referral.LeadOf(channel));

    [Fact]
    public void ABalance_IsNeverOverdrawn_AndATakeBackBeyondItIsDebtPaidByTheNextAward()
    {
        var b = PointsBalance.Empty.Award(10);
        Assert.Null(b.Spend(11));
        b = b.Spend(4)!;
        Assert.Equal(new PointsBalance(6, 10, 4, 0), b);
        b = b.TakeBack(10);
        Assert.Equal(new PointsBalance(0, 0, 4, 4), b);
        Assert.Equal(new PointsBalance(3, 7, 4, 0), b.Award(7));
    }
}
