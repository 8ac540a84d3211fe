using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Funnel.Core.Journeys;

namespace Funnel.App.Storage;

/// <summary>
/// A message to a lead as it goes on the outbound-messages queue (and sits in an outbox row until then).
/// <see cref="Attempt"/>: how often the channel adapter put it back after WeCom answered "busy" (0 as the journey sends it).
/// </summary>
/// <remarks>A broadcast's message carries its own <see cref="Text"/>, its <see cref="BroadcastId"/> and the target row the channel's outcome is recorded on.</remarks>
internal sealed record OutboundMessage(
    string MessageId, string StoreId, string LeadId, string? ClerkId, string Template, DateTimeOffset At, int Attempt = 0, string? Text = null, string? BroadcastId = null,
    string? TargetRow = null);

/// <summary>
/// The journey rows of a store's partition. "journey|{leadId}": the state as JSON plus its stage, version and next
/// timer as columns. "task|{owner}|{dueTicks}|{leadId}|{taskId}": an open follow-up, so a clerk's list is one range
/// read in due order. The journey row is a snapshot the engine's commit activity writes with each step (the
/// orchestration holds the journey itself): cheap reads for the lead view, and the record of the last step applied.
/// </summary>
internal static class JourneyRows
{
    public const string JourneyPrefix = "journey|";
    public const string TaskPrefix = "task|";
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

    /// <param name="step">The fingerprint of the step that wrote this state (<see cref="StepFingerprint"/>): tells a repeat of that step from another step of the same version.</param>
    public static TableEntity Journey(string storeId, JourneyState s, string step) => new(storeId, JourneyKey(s.LeadId))
    {
        ["Step"] = step,
        ["State"] = JsonSerializer.Serialize(s, Json),
        ["Stage"] = s.Stage.Name(),
        ["Version"] = s.Version,
        ["ClerkId"] = s.ClerkId,
        ["NextTimerAt"] = s.NextTimerAt,
        ["LastEngagedAt"] = s.LastEngagedAt,
    };

    /// <summary>A step's fingerprint: a hash of the decided step, the same every time the same step is committed.</summary>
    public static string StepFingerprint(JourneyStep step) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(step, Json)))[..24];

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

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
