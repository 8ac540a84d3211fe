using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Funnel.Core.Purchases;

/// <summary>
/// Reads an ISO 8601 time that states its offset ("Z" or "+08:00"). A time without one would be read in the server's
/// time zone, a guess that moves a sale to another day and out of (or into) its attribution window: refused.
/// </summary>
public sealed partial class OffsetRequiredConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !WithOffset().IsMatch(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            throw new JsonException($"'{Shorten(text)}' is not an ISO 8601 time with an offset; send e.g. 2026-11-23T10:00:00+08:00 or 2026-11-23T02:00:00Z (a time without an offset would be guessed).");
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v) writer.WriteStringValue(v.ToString("O", CultureInfo.InvariantCulture));
        else writer.WriteNullValue();
    }

    private static string? Shorten(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text;

    [GeneratedRegex(@"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex WithOffset();
}
