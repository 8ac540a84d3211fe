using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Funnel.App.Extensions;

/// <summary>Settings under "Funnel".</summary>
internal sealed class FunnelOptions
{
    public const string Section = "Funnel";

    /// <summary>Key of the keyed hash that turns a shopper identity into a lead id. Changing it orphans every lead.</summary>
    [Required, SecretKey]
    public string LeadHashKey { get; set; } = "";

    /// <summary>Key that signs QR codes. Changing it invalidates every printed code.</summary>
    [Required, SecretKey]
    public string CodeSigningKey { get; set; } = "";

    /// <summary>
    /// Base URL shoppers reach (scan URLs, share links and QR codes are built on it). Empty, in Development and tests
    /// only: taken from the request, whose Host header a client picks.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    public const string PublicBaseUrlRequired =
        "Funnel:PublicBaseUrl must be the absolute http(s) address shoppers reach (e.g. https://funnel.contoso.com). Outside Development it is " +
        "required: scan URLs, share links and QR codes must not be built from the request's Host header, which a client picks.";

    public bool HasValidPublicBaseUrl(bool emptyAllowed) => string.IsNullOrEmpty(PublicBaseUrl)
        ? emptyAllowed
        : Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";

    /// <summary>
    /// The messaging app's group invite link, with {storeId} and {groupId} filled in (a stand-in until groups carry
    /// their real invite links). Empty: the landing page tells the shopper to show the clerk their group instead.
    /// </summary>
    public string? GroupJoinUrlTemplate { get; set; }

    /// <summary>How long a store's cached settings are trusted before they are read again.</summary>
    [Range(0, 3600)]
    public int StoreSettingsCacheSeconds { get; set; } = 30;

    public static byte[] KeyBytes(string key) => Encoding.UTF8.GetBytes(key);
}

/// <summary>Settings under "RateLimiting": the shopper-facing endpoints' limit per client address.</summary>
internal sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    [Range(1, int.MaxValue)]
    public int PublicPermitsPerWindow { get; set; } = 120;

    [Range(1, 3600)]
    public int PublicWindowSeconds { get; set; } = 60;

    /// <summary>
    /// Take the client address from X-Forwarded-For, as far as trusted proxies vouch for it (see ClientAddresses).
    /// Right behind the Functions host (which forwards every request from loopback); wrong when clients reach the app
    /// directly. Default: on when running under the Functions host.
    /// </summary>
    public bool? TrustForwardedFor { get; set; }

    /// <summary>How many X-Forwarded-For entries, from the right, trusted proxies appended (1: the platform's front end).</summary>
    [Range(1, 10)]
    public int ForwardedHops { get; set; } = 1;

    /// <summary>Proxies besides loopback whose X-Forwarded-For entries count: addresses or CIDR networks.</summary>
    public string[] KnownProxies { get; set; } = [];
}
