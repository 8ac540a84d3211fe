using System.Xml;
using System.Xml.Linq;

namespace Funnel.Core.WeCom;

/// <summary>What a WeCom callback is about (the customer-contact events Funnel acts on; everything else is Other).</summary>
public enum CallbackKind
{
    Other,

    /// <summary>change_external_contact / add_external_contact: a clerk added a customer (State says through which way).</summary>
    CustomerAdded,

    /// <summary>change_external_contact / del_external_contact: the clerk deleted the customer.</summary>
    CustomerDeleted,

    /// <summary>change_external_contact / del_follow_user: the customer deleted the clerk.</summary>
    ClerkDeletedByCustomer,

    /// <summary>change_external_chat (create, update, dismiss): a customer group changed.</summary>
    GroupChanged,
}

/// <summary>
/// A decrypted callback's fields Funnel reads, as a self-built app receives them (WeCom's "客户联系 → 回调通知 → 事件格式":
/// developer.work.weixin.qq.com/document/path/92130). <see cref="Key"/> is the same for WeCom's retries of one event,
/// which it sends when it did not get an answer in time.
/// </summary>
public sealed record CallbackMessage(
    CallbackKind Kind, string Event, string? ChangeType, long CreateTime, string? ClerkUserId, string? ExternalUserId,
    string? State, string? WelcomeCode, string? ChatId, string? UpdateDetail)
{
    /// <summary>One event, however often delivered: what it is, about whom, and when WeCom created it.</summary>
    public string Key => string.Join('|', Event, ChangeType, CreateTime, ClerkUserId, ExternalUserId, ChatId, UpdateDetail);

    /// <summary>Reads the XML of a callback (an outer envelope or a decrypted message), refusing DTDs and external entities.</summary>
    public static XElement? ReadXml(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 20 };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            return XElement.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>The message a decrypted callback holds, or null when it is not WeCom's XML with a MsgType.</summary>
    public static CallbackMessage? Parse(string xml)
    {
        if (ReadXml(xml) is not { } root || Text(root, "MsgType") is null) return null;
        var @event = Text(root, "Event") ?? "";
        var change = Text(root, "ChangeType");
        var kind = (@event, change) switch
        {
            ("change_external_contact", "add_external_contact") => CallbackKind.CustomerAdded,
            ("change_external_contact", "del_external_contact") => CallbackKind.CustomerDeleted,
            ("change_external_contact", "del_follow_user") => CallbackKind.ClerkDeletedByCustomer,
            ("change_external_chat", "create" or "update" or "dismiss") => CallbackKind.GroupChanged,
            _ => CallbackKind.Other,
        };
        _ = long.TryParse(Text(root, "CreateTime"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var created);
        return new CallbackMessage(kind, @event, change, created, Text(root, "UserID"), Text(root, "ExternalUserID"),
            Text(root, "State"), Text(root, "WelcomeCode"), Text(root, "ChatId"), Text(root, "UpdateDetail"));
    }

    /// <summary>A child element's text, or null when it is missing or empty.</summary>
    public static string? Text(XElement root, string name) => root.Element(name)?.Value is { Length: > 0 } value ? value : null;
}
