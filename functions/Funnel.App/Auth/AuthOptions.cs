namespace Funnel.App.Auth;

/// <summary>
/// Settings under "Auth". Locally: a symmetric <see cref="SigningKey"/> signs dev tokens.
/// In Azure: set <see cref="Authority"/> (Entra ID, https://login.microsoftonline.com/{tenant}/v2.0) and
/// <see cref="Audience"/>; app roles arrive in the "roles" claim unless <see cref="RoleClaimType"/> says otherwise.
/// </summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    public string SigningKey { get; set; } = "";
    public string Issuer { get; set; } = "funnel-dev";
    public string Audience { get; set; } = "funnel";
    public string Authority { get; set; } = "";
    public string RoleClaimType { get; set; } = "";

    public bool UsesEntraId => !string.IsNullOrWhiteSpace(Authority);
}
