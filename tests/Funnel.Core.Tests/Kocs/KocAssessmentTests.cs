using Funnel.Core.Kocs;

namespace Funnel.Core.Tests.Kocs;

public sealed class KocAssessmentTests
{
    private static readonly KocThresholds Thresholds = new(
        RaiseMinConversionRate: 0.2, RaiseMinServiceRate: 0.9, RaiseMaxComplaintRate: 0.02, RaiseMinRecruited: 10,
        LowerBelowConversionRate: 0.05, LowerBelowServiceRate: 0.6, LowerAboveComplaintRate: 0.1, RaiseBy: 2.5, LowerBy: 0.5, MinQuota: 100, MaxQuota: 60_000);

    [Fact]
    public void AGoodMonth_RaisesTheQuota_20000To50000()
    {
        var card = new KocCard(Recruited: 100, Conversions: 30, QuestionsInTime: 19, QuestionsLate: 1, Complaints: 1);
        var decision = KocAssessment.Decide(card, 20_000, Thresholds);
        Assert.Equal((KocVerdict.Raise, 20_000, 50_000), (decision.Verdict, decision.QuotaBefore, decision.QuotaAfter));
        Assert.Equal(4, decision.Reasons.Count); // every bar met, each said
    }

    [Fact]
    public void AnyBarCrossed_LowersIt_AndSaysWhich()
    {
        var decision = KocAssessment.Decide(new KocCard(Recruited: 100, Conversions: 30, Complaints: 20), 1_000, Thresholds);
        Assert.Equal((KocVerdict.Lower, 500), (decision.Verdict, decision.QuotaAfter));
        Assert.Equal(["complaint rate 0.2 above 0.1"], decision.Reasons);
    }

    [Fact]
    public void AMonthBetween_OrWithoutData_KeepsIt_AndQuotasStayInBounds()
    {
        var quiet = KocAssessment.Decide(default, 1_000, Thresholds);
        Assert.Equal((KocVerdict.Keep, 1_000), (quiet.Verdict, quiet.QuotaAfter));
        Assert.Contains("conversion rate none (no data) (at least 0.2 to be raised)", quiet.Reasons);
        Assert.Equal(60_000, KocAssessment.Decide(new KocCard(Recruited: 100, Conversions: 30, QuestionsInTime: 1), 50_000, Thresholds).QuotaAfter);
        Assert.Equal(100, KocAssessment.Decide(new KocCard(Recruited: 100), 150, Thresholds).QuotaAfter);
        // A bar HQ switched off (a minimum of 0) is met without data.
        Assert.Equal(KocVerdict.Raise, KocAssessment.Decide(new KocCard(Recruited: 10, Conversions: 5), 100, Thresholds with { RaiseMinServiceRate = 0 }).Verdict);
    }

    [Theory]
    [InlineData("Asia/Shanghai", 2026, 11, "2026-11-30T16:00:00+00:00")]
    [InlineData("UTC", 2026, 12, "2027-01-01T00:00:00+00:00")]
    [InlineData("Europe/London", 2027, 3, "2027-03-31T23:00:00+00:00")] // British Summer Time by then
    public void AMonth_EndsAtTheStoresLocalMidnight(string zone, int year, int month, string end) =>
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), new KocMonth(year, month).EndIn(TimeZoneInfo.FindSystemTimeZoneById(zone)));

    [Fact]
    public void AMonth_IsTheStoresLocalOne()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        Assert.Equal("2026-12", KocMonth.Of(new DateTimeOffset(2026, 11, 30, 16, 30, 0, TimeSpan.Zero), shanghai).ToString());
        Assert.False(KocMonth.TryParse("2026-13", out _));
        Assert.True(KocMonth.TryParse("2026-02", out var feb) && feb.Next == new KocMonth(2026, 3));
    }
}
