using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Funnel.App.Tests.Infrastructure;

/// <summary>
/// Tokens shaped like Entra ID's v2 access tokens (issuer https://login.microsoftonline.com/{tenant}/v2.0, audience,
/// tid, oid, azp, roles; no storeId or clerkId), signed by a local RSA key, and an app configured for Entra that trusts
/// that key instead of fetching Entra's metadata: the app's Entra path without Entra.
/// </summary>
public static class EntraLikeTokens
{
    public const string Tenant = "7d3f1e52-0c1a-4f5e-9a4b-2f6d8c1e0b93";
    public const string Audience = "api://funnel";
    public const string PagesClientId = "3b9e0c4d-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
    public static readonly string Issuer = $"https://login.microsoftonline.com/{Tenant}/v2.0";

    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "funnel-test-key" };

    /// <summary>The app's settings for Entra (no dev signing key): as in Azure.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Auth:SigningKey"] = "",
        ["Auth:Authority"] = Issuer,
        ["Auth:Audience"] = Audience,
        ["Auth:PagesClientId"] = PagesClientId,
        ["Auth:PagesScope"] = Audience + "/access_as_user",
    };

    /// <summary>Makes the app trust the local key as Entra's, without a metadata request.</summary>
    public static void Trust(IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            configuration.SigningKeys.Add(Key);
            o.Configuration = configuration;
            // The handler reads keys and issuer through its configuration manager (made before this runs): a static one.
            o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
        });

    /// <summary>
    /// A user's token (delegated through the pages: oid, scp, azp = the pages' client id) or, with
    /// <paramref name="clientId"/>, an application's own (azp = its client id, no scp): roles and nothing store-shaped
    /// unless <paramref name="extra"/> adds it.
    /// </summary>
    public static string Create(string objectId, string[] roles, string? clientId = null, IReadOnlyDictionary<string, string>? extra = null,
        string? issuer = null, SecurityKey? key = null)
    {
        var claims = new List<Claim> { new("oid", objectId), new("tid", Tenant), new("ver", "2.0"), new("sub", "s-" + objectId), new("azp", clientId ?? PagesClientId) };
        if (clientId is null) claims.Add(new Claim("scp", "access_as_user"));
        claims.AddRange(roles.Select(r => new Claim("roles", r)));
        foreach (var (type, value) in extra ?? new Dictionary<string, string>()) claims.Add(new Claim(type, value));
        return Sign(claims, Audience, issuer ?? Issuer, key ?? Key);
    }

    /// <summary>An ID token as Entra returns it to the pages' sign-in (MSAL checks the nonce it sent).</summary>
    public static string IdToken(string objectId, string nonce) =>
        Sign([new Claim("oid", objectId), new Claim("tid", Tenant), new Claim("sub", "s-" + objectId), new Claim("nonce", nonce),
            new Claim("name", "Ana"), new Claim("preferred_username", "ana@contoso.example"), new Claim("ver", "2.0")], PagesClientId, Issuer, Key);

    /// <summary>A token valid from a minute ago for an hour, RS256-signed.</summary>
    private static string Sign(IEnumerable<Claim> claims, string audience, string issuer, SecurityKey key)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}
