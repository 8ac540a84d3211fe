namespace Funnel.Core.Points;

/// <summary>
/// HQ's points rules from <see cref="EffectiveFrom"/> on: points for joining (a lead's first scan anywhere), for a
/// completed trial, for a share that recruits a new lead, and per unit of purchase amount (floored; a refund takes back
/// the same share of what its purchase gave). An award uses the rules in effect at the moment of the event that
/// causes it, so a change never touches past awards.
/// </summary>
public sealed record PointsRules(int Joining, int TrialCompleted, int ShareRecruited, decimal PerUnitAmount, DateTimeOffset EffectiveFrom)
{
    public const int MaxPointsPerEvent = 1_000_000;

    /// <summary>How many recruiting shares of one lead earn points in a day (UTC); the ones past it are recorded with 0.</summary>
    public int ReferralDailyCap { get; init; } = 10;

    /// <summary>Points expire this many days after they were earned, oldest first (0: never). The version in effect when they expire decides.</summary>
    public int ExpireAfterDays { get; init; }

    public const int MaxExpireAfterDays = 3650;

    /// <summary>No programme yet: nothing is awarded.</summary>
    public static readonly PointsRules None = new(0, 0, 0, 0, DateTimeOffset.MinValue);

    /// <summary>The rules in effect at <paramref name="at"/>: the latest version that started by then (none: <see cref="None"/>).</summary>
    public static PointsRules InEffect(IEnumerable<PointsRules> versions, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(versions);
        return versions.Where(v => v.EffectiveFrom <= at).MaxBy(v => v.EffectiveFrom) ?? None;
    }

    /// <summary>Points for a purchase of <paramref name="amount"/>: floor(amount × rate), never negative.</summary>
    public long ForPurchase(decimal amount) => amount <= 0 ? 0 : (long)Math.Min(Math.Floor(amount * PerUnitAmount), MaxPointsPerEvent);

    /// <summary>
    /// What a refund of <paramref name="refunded"/> takes back from a purchase of <paramref name="amount"/> that gave
    /// <paramref name="awarded"/> points, of which <paramref name="takenBack"/> were taken back already: its share,
    /// rounded up (a full refund takes everything back), never more than is left.
    /// </summary>
    public static long ForRefund(long awarded, decimal amount, decimal refunded, long takenBack)
    {
        if (awarded <= 0 || amount <= 0 || refunded <= 0) return 0;
        var share = (long)Math.Ceiling(awarded * Math.Min(refunded, amount) / amount);
        return Math.Max(0, Math.Min(share, awarded - takenBack));
    }
}
