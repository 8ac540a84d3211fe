using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Funnel.Core.Journeys;

namespace Funnel.App.Storage;

/// <summary>A message to a lead as it goes on the outbound-messages queue (and sits in an outbox row until then).</summary>
internal sealed record OutboundMessage(string MessageId, string StoreId, string LeadId, string? ClerkId, string Template, DateTimeOffset At);

/// <summary>
/// The journey rows of a store's partition. "journey|{leadId}": the state as JSON plus its stage, version and next
/// timer as columns. "task|{owner}|{dueTicks}|{leadId}|{taskId}": an open follow-up, so a clerk's list is one range
/// read in due order. "due|{ticks}|…": what the sweep reads (see <see cref="StoreRows"/>): ticks sort as time, so
/// "everything due before T" is one range read that returns nothing that is not due.
/// </summary>
internal static class JourneyRows
{
    public const string JourneyPrefix = "journey|";
    public const string TaskPrefix = "task|";
    public const string DuePrefix = "due|";
    public const string StoreOwner = "-";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string JourneyKey(string leadId) => JourneyPrefix + leadId;

    public static string TaskOwnerPrefix(string? clerkId) => $"{TaskPrefix}{clerkId ?? StoreOwner}|";

    public static string TaskKey(string? owner, ClerkTask task, string leadId) =>
        $"{TaskOwnerPrefix(owner)}{Ticks(task.DueAt)}|{leadId}|{task.TaskId}";

    public static string DueTimerKey(DateTimeOffset at, string leadId) => $"{DuePrefix}{Ticks(at)}|t|{leadId}";

    public static string OutboxKey(DateTimeOffset at, string leadId, int version) =>
        $"{DuePrefix}{Ticks(at)}|o|{leadId}|{version.ToString("D9", CultureInfo.InvariantCulture)}";

    /// <summary>The last row key of everything due at or before <paramref name="at"/>.</summary>
    public static string DueUpTo(DateTimeOffset at) => $"{DuePrefix}{Ticks(at)}|~";

    /// <summary>(lead id, true for a timer row / false for an outbox row) of a "due|" row key.</summary>
    public static (string LeadId, bool IsTimer) ParseDueKey(string rowKey)
    {
        var parts = rowKey.Split('|');
        return parts.Length >= 4 ? (parts[3], parts[2] == "t") : throw new InvalidDataException($"'{rowKey}' is not a due row.");
    }

    public static TableEntity Journey(string storeId, JourneyState s) => new(storeId, JourneyKey(s.LeadId))
    {
        ["State"] = JsonSerializer.Serialize(s, Json),
        ["Stage"] = s.Stage.Name(),
        ["Version"] = s.Version,
        ["ClerkId"] = s.ClerkId,
        ["NextTimerAt"] = s.NextTimerAt,
    };

    public static JourneyState ToJourney(TableEntity e) =>
        JsonSerializer.Deserialize<JourneyState>(e.GetString("State") ?? "null", Json)
        ?? throw new InvalidDataException($"Journey row {e.PartitionKey}/{e.RowKey} has no state.");

    public static TableEntity Task(string storeId, string leadId, string? owner, ClerkTask task) => TaskRow(storeId, TaskKey(owner, task, leadId), leadId, owner, task);

    /// <summary>The store's own follow-up for a campaign: one per store and campaign, so the store's ack can close it.</summary>
    public static string CampaignTaskKey(string campaignId) => $"{TaskOwnerPrefix(null)}campaign|{campaignId}";

    public static TableEntity TaskRow(string storeId, string rowKey, string? leadId, string? owner, ClerkTask task) => new(storeId, rowKey)
    {
        ["LeadId"] = leadId,
        ["ClerkId"] = owner,
        ["TaskId"] = task.TaskId,
        ["Kind"] = task.Kind,
        ["DueAt"] = task.DueAt,
        ["Ref"] = task.Ref,
    };

    public static TableEntity DueTimer(string storeId, string leadId, DateTimeOffset at) => new(storeId, DueTimerKey(at, leadId))
    {
        ["LeadId"] = leadId,
        ["DueAt"] = at,
    };

    public static TableEntity Outbox(string storeId, string leadId, int version, DateTimeOffset at, IReadOnlyList<OutboundMessage> messages) =>
        new(storeId, OutboxKey(at, leadId, version))
        {
            ["LeadId"] = leadId,
            ["Messages"] = JsonSerializer.Serialize(messages, Json),
        };

    public static IReadOnlyList<OutboundMessage> ToOutbox(TableEntity e) =>
        JsonSerializer.Deserialize<List<OutboundMessage>>(e.GetString("Messages") ?? "[]", Json) ?? [];

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
