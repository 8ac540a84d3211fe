using System.Text.Json;
using Funnel.App.Extensions;
using Funnel.App.Storage;

namespace Funnel.App.Triggers;

/// <summary>
/// The local stand-in for a channel adapter: an outbound message written to the log, its lead and message id redacted
/// (<see cref="PersonalData"/>), never its raw body.
/// </summary>
internal static partial class OutboundMessageLog
{
    public static OutboundMessage? Read(string? text)
    {
        try
        {
            return text is null ? null : JsonSerializer.Deserialize<OutboundMessage>(text, JourneyRows.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbound message {Template} for store {StoreId}, lead {LeadId} ({MessageId}, due {At}): logged, not delivered (no channel adapter runs locally)")]
    public static partial void Logged(ILogger logger, string template, string storeId, [Pseudonymous] string leadId, [Pseudonymous] string messageId, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An outbound message could not be read; its text is not logged (it may hold personal data)")]
    public static partial void Unreadable(ILogger logger);
}
