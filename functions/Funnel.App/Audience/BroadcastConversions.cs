namespace Funnel.App.Audience;

/// <summary>
/// A purchase by a lead who received broadcasts: each broadcast it came within the window of (after the send, at most
/// its window days later) counts the lead converted, once (the first purchase sets it; a redelivery sets nothing twice).
/// One read of the lead's "received" row per purchase; a write only for a broadcast it converts.
/// </summary>
internal sealed class BroadcastConversions(PeopleStore people, BroadcastStore broadcasts)
{
    public async Task PurchasedAsync(string leadId, DateTimeOffset purchasedAt, CancellationToken cancellationToken)
    {
        var (received, _) = await people.ReceivedAsync(leadId, cancellationToken);
        foreach (var r in received.Where(r => r.TargetRow is not null && purchasedAt >= r.At && purchasedAt <= r.At.AddDays(r.WindowDays)))
        {
            await broadcasts.MarkOnceAsync(r.BroadcastId, r.TargetRow!, "ConvertedAt", purchasedAt, cancellationToken);
        }
    }
}
