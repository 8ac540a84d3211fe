namespace Funnel.Core.Points;

/// <summary>
/// A lead's points: <see cref="Balance"/> (never below zero), what was earned and spent in all, and <see cref="Debt"/>:
/// points a refund took back that the balance did not hold (recorded, and paid from the next awards first).
/// </summary>
public sealed record PointsBalance(long Balance, long Earned, long Spent, long Debt)
{
    public static readonly PointsBalance Empty = new(0, 0, 0, 0);

    /// <summary>An award: pays any debt first, the rest to the balance.</summary>
    public PointsBalance Award(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var toDebt = Math.Min(points, Debt);
        return this with { Balance = Balance + points - toDebt, Earned = Earned + points, Debt = Debt - toDebt };
    }

    /// <summary>A redemption: null when the balance does not hold it (never overdrawn).</summary>
    public PointsBalance? Spend(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        return points > Balance ? null : this with { Balance = Balance - points, Spent = Spent + points };
    }

    /// <summary>A refund's take-back: from the balance as far as it goes, the rest recorded as debt.</summary>
    public PointsBalance TakeBack(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var fromBalance = Math.Min(points, Balance);
        return this with { Balance = Balance - fromBalance, Earned = Earned - points, Debt = Debt + points - fromBalance };
    }
}
