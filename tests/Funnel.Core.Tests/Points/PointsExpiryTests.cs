using Funnel.Core.Points;

namespace Funnel.Core.Tests.Points;

public sealed class PointsExpiryTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromDays(30);

    private static LedgerLine Line(long seq, long points, int day) => new(seq, points, Day0.AddDays(day));

    [Fact]
    public void NothingOldYet_ExpiresNothing_AndSaysWhenTheOldestWill()
    {
        var (amount, _, next) = PointsExpiry.Plan([Line(1, 10, 0), Line(2, 100, 10)], Period, Day0.AddDays(29));
        Assert.Equal((0L, Day0.AddDays(30)), (amount, next));
    }

    [Fact]
    public void WhatWasSpent_ComesFromTheOldest()
    {
        var lines = new[] { Line(1, 10, 0), Line(2, 100, 10), Line(3, -5, 11) };
        Assert.Equal((5L, 1L, (DateTimeOffset?)Day0.AddDays(40)), PointsExpiry.Plan(lines, Period, Day0.AddDays(31)));
        // Once that expiry is recorded, nothing more is due until the purchase's points are.
        Assert.Equal((0L, 1L, (DateTimeOffset?)Day0.AddDays(40)), PointsExpiry.Plan([.. lines, Line(4, -5, 31)], Period, Day0.AddDays(31)));
        // Spending more than the old points took some of the newer ones: those expire less.
        Assert.Equal((0L, 1L, (DateTimeOffset?)Day0.AddDays(40)), PointsExpiry.Plan([Line(1, 10, 0), Line(2, 100, 10), Line(3, -50, 11)], Period, Day0.AddDays(31)));
        Assert.Equal((60L, 2L, (DateTimeOffset?)null), PointsExpiry.Plan([Line(1, 10, 0), Line(2, 100, 10), Line(3, -50, 11)], Period, Day0.AddDays(41)));
    }
}
