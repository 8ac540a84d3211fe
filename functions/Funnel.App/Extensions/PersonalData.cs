using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;

namespace Funnel.App.Extensions;

/// <summary>
/// What in Funnel is about a person, for the framework's redaction (Microsoft.Extensions.Compliance): pseudonymous
/// identifiers (a lead id: a keyed hash of an identity; anything that contains one, such as a journey's instance or
/// message id) and identifying data (a phone number, a nickname, a message's text). Log parameters carry the
/// attribute; the logger redacts them before any provider sees them.
/// </summary>
internal static class PersonalData
{
    public const string Taxonomy = "Funnel";

    /// <summary>Replaced by an HMAC (its own key, derived from the lead-hash key): log lines about one lead still correlate, the lead id does not appear.</summary>
    public static DataClassification Pseudonymous => new(Taxonomy, nameof(Pseudonymous));

    /// <summary>Erased.</summary>
    public static DataClassification Identifying => new(Taxonomy, nameof(Identifying));

    /// <summary>Registers the redactors and turns redaction on for every log (parameters with a classification attribute).</summary>
    public static WebApplicationBuilder AddPersonalDataRedaction(this WebApplicationBuilder builder)
    {
        var leadHashKey = builder.Configuration[$"{FunnelOptions.Section}:{nameof(FunnelOptions.LeadHashKey)}"] ?? "";
        var key = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(leadHashKey), "funnel-log-redaction"u8));
        builder.Services.AddRedaction(r =>
        {
            r.SetHmacRedactor(o =>
            {
                o.Key = key;
                o.KeyId = 1;
            }, Pseudonymous);
            r.SetRedactor<ErasingRedactor>(Identifying);
        });
        builder.Logging.EnableRedaction();
        return builder;
    }

    /// <summary>
    /// A route's pattern, not its path: what a log or trace may say about a request (a path may hold a lead id or a
    /// signed token). In the exception handler, the route of the request that failed.
    /// </summary>
    public static string RouteOf(HttpContext context) =>
        (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint()) is RouteEndpoint endpoint
            ? endpoint.RoutePattern.RawText ?? "(route)"
            : "(no route)";
}

/// <summary>A log parameter that is, or contains, a pseudonymous identifier of a person (a lead id).</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class PseudonymousAttribute() : DataClassificationAttribute(PersonalData.Pseudonymous);

/// <summary>A log parameter that identifies a person (a phone number, a nickname, a message's text).</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class IdentifyingAttribute() : DataClassificationAttribute(PersonalData.Identifying);

/// <summary>
/// Traces say which route and which storage operation, not which person: a request's <c>url.path</c> becomes its
/// route pattern, and lead ids (32 hex characters) in any URL tag, such as a table row's key in a storage call's URL,
/// become <c>{leadId}</c>.
/// </summary>
internal sealed partial class PersonalDataTraceScrubber : OpenTelemetry.BaseProcessor<Activity>
{
    private static readonly string[] UrlTags = ["url.full", "url.path", "url.query", "http.url", "http.target", "az.table.entity"];

    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetTagItem("http.route") is string route) data.SetTag("url.path", route);
        foreach (var tag in UrlTags)
        {
            if (data.GetTagItem(tag) is string value && LeadIdLike().IsMatch(value)) data.SetTag(tag, LeadIdLike().Replace(value, "{leadId}"));
        }
        if (LeadIdLike().IsMatch(data.DisplayName)) data.DisplayName = LeadIdLike().Replace(data.DisplayName, "{leadId}");
    }

    [GeneratedRegex("(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", RegexOptions.CultureInvariant)]
    private static partial Regex LeadIdLike();
}
