namespace Funnel.App.Audience;

/// <summary>
/// A purchase by a lead who received broadcasts: each broadcast it came within the window of (after the send, at most
/// its window days later) counts the lead converted, once (the first purchase sets it; a redelivery sets nothing twice).
/// Asked only for a purchase whose credited membership notes a broadcast in the last 90 days: then one read of the lead's
/// "received" row, and a write only for a broadcast it converts.
/// </summary>
internal sealed class BroadcastConversions(PeopleStore people, BroadcastStore broadcasts)
{
    /// <summary>The longest conversion window a broadcast may have (its windowDays are at most 90).</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(90);

    public async Task PurchasedAsync(string leadId, DateTimeOffset purchasedAt, CancellationToken cancellationToken)
    {
        var (received, _) = await people.ReceivedAsync(leadId, cancellationToken);
        foreach (var r in received.Where(r => r.TargetRow is not null && purchasedAt >= r.At && purchasedAt <= r.At.AddDays(r.WindowDays)))
        {
            await broadcasts.MarkOnceAsync(r.BroadcastId, r.TargetRow!, "ConvertedAt", purchasedAt, cancellationToken);
        }
    }
}
