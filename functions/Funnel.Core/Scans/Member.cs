using Funnel.Core.Groups;

namespace Funnel.Core.Scans;

/// <summary>
/// A lead as one store knows it: who recruited them (the first clerk whose code they scanned),
/// who served them last, when they scanned first and last, their seats and their tags.
/// <see cref="KocId"/> is the KOC (a lead) who recruited them here, when they joined through a KOC's code with room.
/// <see cref="Purchases"/> counts the purchases credited to this store for the lead, <see cref="Spent"/> their amounts (gross: a refund does not change it);
/// <see cref="LastBroadcastAt"/> when a broadcast was last sent to the lead through this store (a purchase then looks for the broadcasts it converts).
/// <see cref="RecentScanIds"/> (the last <see cref="RecentScanIdLimit"/> client scan ids) makes a retried scan
/// a replay: the membership is written on every scan anyway, so idempotency costs no extra row.
/// </summary>
public sealed record Member(
    string LeadId,
    string? ClerkId,
    string? CampaignId,
    string Channel,
    DateTimeOffset FirstScanAt,
    DateTimeOffset LastScanAt,
    string? LastClerkId,
    IReadOnlyList<string> GroupIds,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> RecentScanIds,
    string? FirstScanId,
    bool NewToBrand,
    int Purchases = 0,
    DateTimeOffset? LastPurchaseAt = null,
    string? KocId = null,
    decimal Spent = 0,
    DateTimeOffset? LastBroadcastAt = null)
{
    /// <summary>Converted once a purchase has been credited to this store's community.</summary>
    public bool IsConverted => Purchases > 0;

    public const int RecentScanIdLimit = 8;

    public Member WithScanId(string? scanId) =>
        scanId is null ? this : this with { RecentScanIds = [.. RecentScanIds.Append(scanId).TakeLast(RecentScanIdLimit)] };

    public string? GroupIdOfTier(GroupTier tier)
    {
        foreach (var id in GroupIds)
        {
            if (Group.TryParseId(id, out var t, out _) && t == tier) return id;
        }
        return null;
    }
}
