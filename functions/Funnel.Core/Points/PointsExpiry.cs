namespace Funnel.Core.Points;

/// <summary>A ledger entry as expiry reads it: its place, its points (negative for a spend, a take-back or an expiry) and when.</summary>
public readonly record struct LedgerLine(long Seq, long Points, DateTimeOffset At);

/// <summary>
/// What expires when: points expire <c>period</c> after they were earned, oldest first, and what was spent (redeemed,
/// taken back by a refund, expired before) is taken from the oldest points first. So at <c>now</c> the points to expire
/// are those earned by <c>now − period</c> that nothing took yet: <see cref="Plan"/>.
/// </summary>
public static class PointsExpiry
{
    /// <returns>
    /// Amount: the points to expire now (0: none). Covered: the last entry (Seq) of the points it expires, which names the
    /// expiry (the same points never expire twice). NextDue: when the oldest points left will expire, or null when none are left.
    /// </returns>
    public static (long Amount, long Covered, DateTimeOffset? NextDue) Plan(IReadOnlyList<LedgerLine> lines, TimeSpan period, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var ordered = lines.OrderBy(l => l.Seq).ToList();
        var cutoff = now - period;
        var taken = -ordered.Where(l => l.Points < 0).Sum(l => l.Points);
        var old = ordered.Where(l => l.Points > 0 && l.At <= cutoff).ToList();
        var amount = Math.Max(0, old.Sum(l => l.Points) - taken);
        var covered = old.Count == 0 ? 0 : old.Max(l => l.Seq);

        // Oldest first: the first award not used up by what was taken (with this expiry) is the next to expire.
        var used = taken + amount;
        DateTimeOffset? next = null;
        foreach (var award in ordered.Where(l => l.Points > 0).OrderBy(l => l.At).ThenBy(l => l.Seq))
        {
            if (used >= award.Points)
            {
                used -= award.Points;
                continue;
            }
            if (award.At > cutoff)
            {
                next = award.At + period;
                break;
            }
            used = 0; // an old award this expiry covers
        }
        return (amount, covered, next);
    }
}
