using System.Text.Json;
using System.Text.Json.Serialization;

namespace Funnel.App.Triggers;

/// <summary>
/// The custom-handler invocation the Functions host POSTs to /{FunctionName}: { "Data": { binding: value },
/// "Metadata": { ... } }. The host JSON-encodes each value (a queue message body arrives as a string holding
/// a JSON string literal; DequeueCount as "1"), so values are unwrapped tolerantly: a string that is itself
/// JSON text of a string is decoded once more, an object is taken as its JSON text.
/// </summary>
internal sealed record TriggerEnvelope(Dictionary<string, JsonElement>? Data, Dictionary<string, JsonElement>? Metadata)
{
    /// <summary>The text of binding <paramref name="name"/> (e.g. the queue message body), or null if absent.</summary>
    public string? Text(string name) => Data is not null && Data.TryGetValue(name, out var value) ? Unwrap(value) : null;

    public string? MetadataText(string name) => Metadata is not null && Metadata.TryGetValue(name, out var value) ? Unwrap(value) : null;

    public long? MetadataNumber(string name) =>
        long.TryParse(MetadataText(name), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string? Unwrap(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.Length >= 2 && text[0] == '"')
                {
                    try
                    {
                        return JsonSerializer.Deserialize<string>(text) ?? text;
                    }
                    catch (JsonException)
                    {
                        return text;
                    }
                }
                return text;
            default:
                return value.GetRawText();
        }
    }
}

/// <summary>The answer the host expects, in its own casing: { "Outputs": {}, "Logs": [...], "ReturnValue": null }.</summary>
internal sealed record TriggerResponse(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] List<string> Logs,
    [property: JsonPropertyName("ReturnValue"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? ReturnValue)
{
    public static TriggerResponse WithLog(string log) => new([], [log], null);
}
