namespace Funnel.Core.WeCom;

/// <summary>A store's WeCom customer group as Funnel knows it: its size by WeCom's last word, and when Funnel learnt of it.</summary>
public sealed record StoreChat(string ChatId, int Members, bool Dismissed, DateTimeOffset AddedAt);

/// <summary>
/// The live-code rollover for a store's group join way (加入群聊): which groups the way lists. The groups with room, in
/// the order the store got them (so one fills before the next is offered), at most <paramref name="maxGroups"/>
/// (WeCom's 5). When every group is full, the newest one alone: the way is made with WeCom opening a new group when
/// its groups are full, and that group's create event adds it here.
/// </summary>
public static class JoinWayPlan
{
    public static IReadOnlyList<string> Listed(IEnumerable<StoreChat> chats, int capacity, int maxGroups)
    {
        ArgumentNullException.ThrowIfNull(chats);
        var open = chats.Where(c => !c.Dismissed).OrderBy(c => c.AddedAt).ThenBy(c => c.ChatId, StringComparer.Ordinal).ToList();
        var withRoom = open.Where(c => c.Members < capacity).Take(maxGroups).Select(c => c.ChatId).ToList();
        return withRoom.Count > 0 ? withRoom : open.Count > 0 ? [open[^1].ChatId] : [];
    }
}
