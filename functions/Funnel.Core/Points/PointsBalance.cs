namespace Funnel.Core.Points;

/// <summary>
/// A lead's points: <see cref="Balance"/> (never below zero), what was earned and spent in all, and <see cref="Debt"/>:
/// points a refund took back that the balance did not hold (recorded, and paid from the next awards first).
/// <see cref="ReferralDay"/> and <see cref="ReferralsThatDay"/> count the leads it recruited by sharing on its latest day of them,
/// <see cref="Referrals"/> all it ever recruited so, and <see cref="Trials"/> the guided trials it completed (engagement, for KOC candidates).
/// <see cref="ExpiryScheduled"/>: the lead's expiry runs on the durable engine (started with its first award while points expire).
/// </summary>
public sealed record PointsBalance(long Balance, long Earned, long Spent, long Debt, DateOnly? ReferralDay = null, int ReferralsThatDay = 0, long Referrals = 0, long Trials = 0,
    bool ExpiryScheduled = false)
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

    /// <summary>
    /// A lead recruited by sharing on <paramref name="day"/>: <paramref name="points"/> while the day's referrals are
    /// under <paramref name="cap"/>, none past it (the referral is still counted and recorded).
    /// </summary>
    public (PointsBalance After, long Points) Referral(DateOnly day, long points, int cap)
    {
        var count = ReferralDay == day ? ReferralsThatDay : 0;
        var after = this with { ReferralDay = day, ReferralsThatDay = count + 1, Referrals = Referrals + 1 };
        return count >= cap ? (after, 0) : (after.Award(points), points);
    }

    /// <summary>Points that expired: from the balance (never below zero).</summary>
    public PointsBalance Expire(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        return this with { Balance = Balance - Math.Min(points, Balance) };
    }

    /// <summary>A refund's take-back: from the balance as far as it goes, the rest recorded as debt.</summary>
    public PointsBalance TakeBack(long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(points);
        var fromBalance = Math.Min(points, Balance);
        return this with { Balance = Balance - fromBalance, Earned = Earned - points, Debt = Debt + points - fromBalance };
    }
}
