using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Funnel.App.Auth;

/// <summary>
/// Settings under "Auth". Locally: a symmetric <see cref="SigningKey"/> signs dev tokens.
/// In Azure: set <see cref="Authority"/> (Entra ID, https://login.microsoftonline.com/{tenant}/v2.0) and
/// <see cref="Audience"/>; app roles arrive in the "roles" claim unless <see cref="RoleClaimType"/> says otherwise.
/// </summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";
    public const int MinSigningKeyLength = Extensions.SecretKeyAttribute.MinLength;

    public string SigningKey { get; set; } = "";
    public string Issuer { get; set; } = "funnel-dev";
    public string Audience { get; set; } = "funnel";
    public string Authority { get; set; } = "";
    public string RoleClaimType { get; set; } = "";

    /// <summary>The client id of the pages' app registration (a single-page application); with <see cref="Authority"/>, the pages sign in with Entra.</summary>
    public string PagesClientId { get; set; } = "";

    /// <summary>The scope the pages ask for, for this API (e.g. api://funnel/access_as_user); default: {Audience}/.default.</summary>
    public string PagesScope { get; set; } = "";

    public bool UsesEntraId => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The pages sign in with Entra (MSAL) rather than a pasted token.</summary>
    public bool PagesUseEntraId => UsesEntraId && !string.IsNullOrWhiteSpace(PagesClientId);

    public string PagesScopeOrDefault => string.IsNullOrWhiteSpace(PagesScope) ? Audience.TrimEnd('/') + "/.default" : PagesScope;

    /// <summary>The key dev tokens are signed and checked with (HMAC-SHA256 over <see cref="SigningKey"/>).</summary>
    public SymmetricSecurityKey DevSigningKey() => new(Encoding.UTF8.GetBytes(SigningKey));
}
