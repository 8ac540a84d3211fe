using System.Security.Claims;
using Funnel.App.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Funnel.Dev.Tokens;

/// <summary>Issues tokens signed with the local key: for development, tests and the demo; never used with Entra ID.</summary>
internal static class DevTokens
{
    public static string Create(AuthOptions options, string role, string? storeId, string? clerkId, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SigningKey.Length < AuthOptions.MinSigningKeyLength)
        {
            throw new InvalidOperationException(
                $"Auth:SigningKey must be at least {AuthOptions.MinSigningKeyLength} characters; ./run.sh writes one into local.settings.json.");
        }
        var claims = new List<Claim> { new("sub", $"dev-{role}-{storeId}-{clerkId}".TrimEnd('-')), new("role", role) };
        if (storeId is not null) claims.Add(new Claim(Roles.StoreIdClaim, storeId));
        if (clerkId is not null) claims.Add(new Claim(Roles.ClerkIdClaim, clerkId));
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddMinutes(-1),
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(options.DevSigningKey(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
