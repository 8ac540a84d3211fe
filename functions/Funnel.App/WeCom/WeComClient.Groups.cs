using System.Text.Json.Serialization;

namespace Funnel.App.WeCom;

/// <summary>A customer group as WeCom reports it (groupchat/get): its members, and the states of the join ways they came by.</summary>
internal sealed record GroupChat(string ChatId, string? Owner, int Members, IReadOnlyList<string> States);

/// <summary>
/// The customer-group calls (客户群): a store's group join way (加入群聊, <c>groupchat/add_join_way</c>, QR scene, at
/// most 5 groups, WeCom making a new group when they are full), read back for its QR code
/// (<c>groupchat/get_join_way</c>), its groups replaced as they fill (<c>groupchat/update_join_way</c>), and a
/// group's details (<c>groupchat/get</c>).
/// </summary>
internal sealed partial class WeComClient
{
    /// <summary>WeCom's limit on the groups one join way lists.</summary>
    public const int MaxGroupsPerJoinWay = 5;

    public async Task<ContactWay> AddJoinWayAsync(IReadOnlyList<string> chatIds, string state, string remark, string roomBaseName, CancellationToken cancellationToken)
    {
        var added = await PostAsync<JoinWayAnswer>("externalcontact/groupchat/add_join_way", JoinWayBody(null, chatIds, state, remark, roomBaseName), cancellationToken);
        var configId = added.ConfigId ?? "";
        var read = await PostAsync<GetJoinWayAnswer>("externalcontact/groupchat/get_join_way", new { config_id = configId }, cancellationToken);
        return new ContactWay(configId, read.JoinWay?.QrCode ?? "");
    }

    /// <summary>Replaces the groups a join way lists (the other settings as made).</summary>
    public Task UpdateJoinWayAsync(string configId, IReadOnlyList<string> chatIds, string state, string remark, string roomBaseName, CancellationToken cancellationToken) =>
        PostAsync<WeComAnswer>("externalcontact/groupchat/update_join_way", JoinWayBody(configId, chatIds, state, remark, roomBaseName), cancellationToken);

    public async Task<GroupChat> GetGroupChatAsync(string chatId, CancellationToken cancellationToken)
    {
        var answer = await PostAsync<GroupChatAnswer>("externalcontact/groupchat/get", new { chat_id = chatId, need_name = 0 }, cancellationToken);
        var members = answer.GroupChat?.MemberList ?? [];
        return new GroupChat(chatId, answer.GroupChat?.Owner, members.Count, [.. members.Select(m => m.State).OfType<string>().Distinct(StringComparer.Ordinal)]);
    }

    private static Dictionary<string, object> JoinWayBody(string? configId, IReadOnlyList<string> chatIds, string state, string remark, string roomBaseName)
    {
        var body = new Dictionary<string, object>
        {
            ["scene"] = 2, // a QR code
            ["remark"] = remark,
            ["auto_create_room"] = 1, // WeCom opens a new group when the listed ones are full
            ["room_base_name"] = roomBaseName,
            ["room_base_id"] = 1,
            ["chat_id_list"] = chatIds.Take(MaxGroupsPerJoinWay).ToArray(),
            ["state"] = state,
        };
        if (configId is not null) body["config_id"] = configId;
        return body;
    }

    private sealed class JoinWayAnswer : WeComAnswer
    {
        [JsonPropertyName("config_id")]
        public string? ConfigId { get; init; }
    }

    private sealed class GetJoinWayAnswer : WeComAnswer
    {
        [JsonPropertyName("join_way")]
        public JoinWay? JoinWay { get; init; }
    }

    private sealed class JoinWay
    {
        [JsonPropertyName("qr_code")]
        public string? QrCode { get; init; }
    }

    private sealed class GroupChatAnswer : WeComAnswer
    {
        [JsonPropertyName("group_chat")]
        public GroupChatDetail? GroupChat { get; init; }
    }

    private sealed class GroupChatDetail
    {
        [JsonPropertyName("owner")]
        public string? Owner { get; init; }

        [JsonPropertyName("member_list")]
        public List<GroupMember>? MemberList { get; init; }
    }

    private sealed class GroupMember
    {
        [JsonPropertyName("state")]
        public string? State { get; init; }
    }
}
