using Funnel.Core.Scans;

namespace Funnel.Core.Purchases;

public enum AttributionKind
{
    /// <summary>The selling store recruited the lead, within its window: the store and its recruiting clerk are credited.</summary>
    SameStore,

    /// <summary>Another store recruited the lead, within its window: that store (and clerk) get a cross-store conversion.</summary>
    CrossStore,

    /// <summary>No store's community earned it (unknown shopper, or every window has passed): a plain store sale.</summary>
    None,
}

/// <summary>Who is credited with a purchase. <see cref="ClerkId"/> is null for a store-code recruit.</summary>
public sealed record AttributionDecision(AttributionKind Kind, string? StoreId, string? ClerkId)
{
    public static readonly AttributionDecision Unattributed = new(AttributionKind.None, null, null);
}

/// <summary>A store where the lead is a member, with that store's attribution window.</summary>
public sealed record Candidate(string StoreId, Member Member, TimeSpan Window);

/// <summary>
/// The attribution rule, in order of precedence:
/// 1. The lead is a member of the selling store, first scanned there no later than the purchase, and the
///    purchase falls within that store's window after the lead's last scan there (inclusive): same-store
///    credit to the selling store and the lead's recruiting clerk there.
/// 2. Otherwise, among the other stores where the same holds, the one the lead scanned at most recently:
///    cross-store credit to that store and its recruiting clerk (the sale still counts as the selling store's sale).
/// 3. Otherwise: no credit (an unknown shopper, or every window has passed); a plain sale of the selling store.
/// </summary>
public static class Attribution
{
    public static AttributionDecision Decide(string sellingStoreId, DateTimeOffset purchasedAt, IReadOnlyList<Candidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var eligible = candidates.Where(c => Covers(c, purchasedAt)).ToList();
        var same = eligible.Find(c => c.StoreId == sellingStoreId);
        if (same is not null) return new AttributionDecision(AttributionKind.SameStore, same.StoreId, same.Member.ClerkId);
        var latest = eligible.OrderByDescending(c => c.Member.LastScanAt).ThenBy(c => c.StoreId, StringComparer.Ordinal).FirstOrDefault();
        return latest is null
            ? AttributionDecision.Unattributed
            : new AttributionDecision(AttributionKind.CrossStore, latest.StoreId, latest.Member.ClerkId);
    }

    public static bool Covers(Candidate candidate, DateTimeOffset purchasedAt)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return purchasedAt >= candidate.Member.FirstScanAt && purchasedAt <= candidate.Member.LastScanAt + candidate.Window;
    }
}
