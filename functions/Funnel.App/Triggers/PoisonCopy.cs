using System.Text.Json;
using System.Text.Json.Nodes;

namespace Funnel.App.Triggers;

/// <summary>
/// What Funnel writes to a "-poison" queue for a message that can never be processed: why, which message, when, and the
/// message as far as an operator needs it. Personal data stays out: the named properties (a purchase's
/// <c>shopperId</c>) are removed, so a poisoned sale keeps its ids, amounts and lines, not the phone number. Text
/// that is not a JSON object is kept as text, cut to <see cref="MaxText"/> characters.
/// </summary>
internal sealed record PoisonCopy(string Reason, string MessageId, DateTimeOffset PoisonedAt, JsonObject? Message, string? Text, IReadOnlyList<string> Removed)
{
    public const int MaxText = 1024;

    public static PoisonCopy Of(string reason, string messageId, DateTimeOffset now, string? text, params string[] personal)
    {
        JsonObject? message = null;
        try
        {
            message = text is null ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }
        if (message is null) return new(reason, messageId, now, null, text is { Length: > MaxText } ? text[..MaxText] : text, []);
        var removed = personal.Where(message.Remove).ToList();
        return new(reason, messageId, now, message, null, removed);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PoisonCopy? Read(string json) => JsonSerializer.Deserialize<PoisonCopy>(json, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
