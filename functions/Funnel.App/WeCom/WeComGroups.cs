using Azure.Data.Tables;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.WeCom;

namespace Funnel.App.WeCom;

/// <summary>
/// A store's WeCom customer groups and its group join ways (加入群聊), kept to WeCom's truth. WeCom has no API that
/// makes a customer group, so a store's first group is one a clerk made in WeCom and registered here; after that the
/// join ways are made with WeCom opening a new group when the listed ones are full, and that group's create event
/// (whose members carry the way's state) adds it to the store. Every group event reads the group from WeCom
/// (<c>groupchat/get</c>) and sets its size; then the store's join ways list what <see cref="JoinWayPlan"/> says
/// (the groups with room, at most 5), updated in WeCom only when that changed.
/// Directory rows: "wecom-chat" / chat id → store; "wecom-chats|{store}" / chat id → size; "wecom-joinways|{store}" /
/// state → the way's config id and the groups it lists.
/// </summary>
internal sealed partial class WeComGroups(WeComClient client, WeComWays ways, FunnelTables tables, StoreLanes lanes, TimeProvider time, ILogger<WeComGroups> logger)
{
    private const string ChatIndex = "wecom-chat";
    private static string StoreChats(string storeId) => "wecom-chats|" + storeId;
    private static string StoreWays(string storeId) => "wecom-joinways|" + storeId;

    /// <summary>Registers a group a clerk made in WeCom as the store's (its size read from WeCom), and rolls the join ways over.</summary>
    public async Task RegisterAsync(string storeId, string chatId, CancellationToken cancellationToken)
    {
        var chat = await client.GetGroupChatAsync(chatId, cancellationToken);
        await SaveChatAsync(storeId, chatId, chat.Members, dismissed: false, cancellationToken);
        await RollOverAsync(storeId, cancellationToken);
    }

    /// <summary>The store's groups, oldest first, with whether its join ways list each.</summary>
    public async Task<List<StoreChat>> ListAsync(string storeId, CancellationToken cancellationToken)
    {
        var chats = new List<StoreChat>();
        await foreach (var row in tables.Directory.QueryAsync<TableEntity>(r => r.PartitionKey == StoreChats(storeId), cancellationToken: cancellationToken))
        {
            chats.Add(new StoreChat(row.RowKey, row.GetInt32("Members") ?? 0, row.GetBoolean("Dismissed") ?? false, row.GetDateTimeOffset("AddedAt") ?? default));
        }
        return [.. chats.OrderBy(c => c.AddedAt)];
    }

    /// <summary>The store's groups, and those its join ways list now (what <see cref="JoinWayPlan"/> gives for them and the store's capacity).</summary>
    public async Task<(List<StoreChat> Chats, IReadOnlyList<string> Listed)> ListedAsync(string storeId, CancellationToken cancellationToken)
    {
        var capacity = (await lanes.GetSettingsAsync(storeId, cancellationToken) ?? throw new StoreNotFoundException(storeId)).GroupCapacity;
        var chats = await ListAsync(storeId, cancellationToken);
        return (chats, JoinWayPlan.Listed(chats, capacity, WeComClient.MaxGroupsPerJoinWay));
    }

    /// <summary>The join way of a store's code (no clerk): the stored one, a new one over the store's groups, or null while the store has none.</summary>
    public async Task<ContactWay?> EnsureJoinWayAsync(EntryCode code, string codeText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        var state = WeComIds.StateFor(codeText);
        if (await ways.GetAsync(state, cancellationToken) is { } stored) return stored;
        var (_, listed) = await ListedAsync(code.StoreId, cancellationToken);
        if (listed.Count == 0) return null;
        var (remark, roomBase) = Names(code);
        var way = await client.AddJoinWayAsync(listed, state, remark, roomBase, cancellationToken);
        var saved = await ways.SaveAsync(state, codeText, code, way, cancellationToken);
        if (saved.ConfigId == way.ConfigId)
        {
            await tables.Directory.UpsertEntityAsync(new TableEntity(StoreWays(code.StoreId), state)
            {
                ["ConfigId"] = way.ConfigId, ["Listed"] = string.Join(',', listed), ["Remark"] = remark, ["RoomBase"] = roomBase,
            }, TableUpdateMode.Replace, cancellationToken);
        }
        return saved;
    }

    /// <summary>A change_external_chat event (create, update, dismiss): the group's size from WeCom, then the rollover.</summary>
    public async Task HandleAsync(CallbackMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ChatId is not { Length: > 0 } chatId) return;
        var index = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(ChatIndex, chatId, cancellationToken: cancellationToken);
        var storeId = index.HasValue ? index.Value!.GetString("StoreId") : null;
        if (message.ChangeType == "dismiss")
        {
            if (storeId is null) LogNotOurs(logger, message.ChangeType);
            else await ChangedAsync(storeId, chatId, 0, dismissed: true, cancellationToken);
            return;
        }
        GroupChat chat;
        try
        {
            chat = await client.GetGroupChatAsync(chatId, cancellationToken);
        }
        catch (WeComException e) when (e.Outcome == WeComOutcome.Permanent)
        {
            LogUnreadable(logger, e.ErrCode, e.Message);
            return;
        }
        foreach (var state in storeId is null ? chat.States : [])
        {
            if (await ways.FindAsync(state, cancellationToken) is { ClerkId: null } code) storeId = code.StoreId;
            if (storeId is not null) break;
        }
        if (storeId is null) LogNotOurs(logger, message.ChangeType ?? "-");
        else await ChangedAsync(storeId, chatId, chat.Members, dismissed: false, cancellationToken);
    }

    private async Task ChangedAsync(string storeId, string chatId, int members, bool dismissed, CancellationToken cancellationToken)
    {
        await SaveChatAsync(storeId, chatId, members, dismissed, cancellationToken);
        await RollOverAsync(storeId, cancellationToken);
    }

    private async Task SaveChatAsync(string storeId, string chatId, int members, bool dismissed, CancellationToken cancellationToken)
    {
        var known = await tables.Directory.GetEntityIfExistsAsync<TableEntity>(StoreChats(storeId), chatId, cancellationToken: cancellationToken);
        await tables.Directory.UpsertEntityAsync(new TableEntity(StoreChats(storeId), chatId)
        {
            ["Members"] = members, ["Dismissed"] = dismissed, ["AddedAt"] = known.HasValue ? known.Value!.GetDateTimeOffset("AddedAt") : time.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
        if (!known.HasValue) await tables.Directory.UpsertEntityAsync(new TableEntity(ChatIndex, chatId) { ["StoreId"] = storeId }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Each of the store's join ways lists what the plan says, updated in WeCom only where it differs. Two events of one
    /// store at once may update a way twice; the later read wins, and a way that listed a group just filled still
    /// works (WeCom opens a new group when its groups are full).
    /// </summary>
    private async Task RollOverAsync(string storeId, CancellationToken cancellationToken)
    {
        var (_, listed) = await ListedAsync(storeId, cancellationToken);
        if (listed.Count == 0) return;
        var joined = string.Join(',', listed);
        await foreach (var way in tables.Directory.QueryAsync<TableEntity>(r => r.PartitionKey == StoreWays(storeId), cancellationToken: cancellationToken))
        {
            if (way.GetString("Listed") == joined) continue;
            await client.UpdateJoinWayAsync(way.GetString("ConfigId") ?? "", listed, way.RowKey, way.GetString("Remark") ?? "", way.GetString("RoomBase") ?? "", cancellationToken);
            await tables.Directory.UpdateEntityAsync(new TableEntity(way.PartitionKey, way.RowKey) { ["Listed"] = joined }, way.ETag, TableUpdateMode.Merge, cancellationToken);
            LogRolledOver(logger, storeId, listed.Count);
        }
    }

    private static (string Remark, string RoomBase) Names(EntryCode code) => ($"{code.StoreId} {code.Channel}", $"{code.StoreId}-");

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom join ways of store {StoreId} now list {Groups} group(s)")]
    private static partial void LogRolledOver(ILogger logger, string storeId, int groups);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom group {ChangeType} of a group that is not a Funnel store's: acknowledged")]
    private static partial void LogNotOurs(ILogger logger, string changeType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom would not read a changed group (errcode {ErrCode}): {Reason}")]
    private static partial void LogUnreadable(ILogger logger, int errCode, string reason);
}
