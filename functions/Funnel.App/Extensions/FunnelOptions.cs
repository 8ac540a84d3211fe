using System.ComponentModel.DataAnnotations;
using System.Text;
using Funnel.Core.Codes;

namespace Funnel.App.Extensions;

/// <summary>Settings under "Funnel".</summary>
internal sealed class FunnelOptions : IValidatableObject
{
    public const string Section = "Funnel";

    /// <summary>Key of the keyed hash that turns a shopper identity into a lead id. Changing it orphans every lead.</summary>
    [Required, SecretKey]
    public string LeadHashKey { get; set; } = "";

    /// <summary>
    /// Key that signs QR codes, share links and shopper sessions. To replace it without voiding printed codes, move it
    /// to <see cref="PreviousCodeSigningKeys"/> under its id and give the new key a new <see cref="CodeSigningKeyId"/>.
    /// </summary>
    [Required, SecretKey]
    public string CodeSigningKey { get; set; } = "";

    /// <summary>
    /// The id of <see cref="CodeSigningKey"/>, written into everything it signs (1–8 lowercase letters or digits).
    /// "0", the default, is the key Funnel had before keys had ids: its codes carry no id, as printed before.
    /// </summary>
    public string CodeSigningKeyId { get; set; } = SigningKeys.LegacyId;

    /// <summary>Earlier code-signing keys by id, still accepted for what they signed (printed codes); nothing new is signed with them.</summary>
    public Dictionary<string, string> PreviousCodeSigningKeys { get; set; } = [];

    /// <summary>How long the shopper session a scan answers is good for (minutes).</summary>
    [Range(5, 7 * 24 * 60)]
    public int ShopperSessionMinutes { get; set; } = 24 * 60;

    /// <summary>The key ring <see cref="CodeSigningKey"/> and <see cref="PreviousCodeSigningKeys"/> make.</summary>
    public SigningKeys CodeKeys() => new(CodeSigningKeyId, KeyBytes(CodeSigningKey),
        PreviousCodeSigningKeys.ToDictionary(k => k.Key, k => KeyBytes(k.Value), StringComparer.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CodeKeysProblem() is { } problem) yield return new ValidationResult(problem, [nameof(PreviousCodeSigningKeys)]);
    }

    /// <summary>Null when the key ring is usable; otherwise what is wrong with it.</summary>
    public string? CodeKeysProblem()
    {
        if (!SigningKeys.IsValidId(CodeSigningKeyId)) return $"Funnel:CodeSigningKeyId '{CodeSigningKeyId}' must be 1-8 lowercase letters or digits.";
        if (PreviousCodeSigningKeys.ContainsKey(CodeSigningKeyId)) return $"Funnel:PreviousCodeSigningKeys lists the current key id '{CodeSigningKeyId}' again: give the new key a new id.";
        foreach (var (id, key) in PreviousCodeSigningKeys)
        {
            if (!SigningKeys.IsValidId(id)) return $"Funnel:PreviousCodeSigningKeys: the key id '{id}' must be 1-8 lowercase letters or digits.";
            if (!SecretKeyAttribute.IsAcceptable(key)) return $"Funnel:PreviousCodeSigningKeys:{id} must be the key that signed those codes (at least {SecretKeyAttribute.MinLength} characters, not a placeholder).";
        }
        return null;
    }

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
