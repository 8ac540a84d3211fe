using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Funnel.App.Auth;

/// <summary>
/// Scopes a token that carries a store role but no storeId claim (what Entra ID issues: app roles, no custom claims)
/// by the principal's staff assignment: a user's token (delegated: it has "scp") by the user's object id ("oid")
/// only, never by its "azp", which there names the app the user signed in through (the pages), not the user; an
/// application's own token by its client id ("azp", or "appid" in v1 tokens), then its service principal's "oid". The
/// assignment's store (and clerk) are added as the claims a dev token carries, so every check downstream stays the
/// same. A token that already carries storeId keeps it; hq needs no store.
/// </summary>
internal sealed class StaffClaims(StaffDirectory staff) : IClaimsTransformation
{
    public const string Issuer = "funnel-staff";
    private static readonly string[] UserKeys = ["oid"];
    private static readonly string[] ApplicationKeys = ["azp", "appid", "oid"];

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.HasClaim(c => c.Type == Roles.StoreIdClaim)) return principal;
        if (!Roles.All.Any(r => r != Roles.Hq && principal.IsInRole(r))) return principal;

        var keys = principal.HasClaim(c => c.Type == "scp") ? UserKeys : ApplicationKeys;
        foreach (var id in keys.Select(principal.FindFirstValue).OfType<string>().Select(v => v.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
        {
            if (await staff.FindAsync(id, CancellationToken.None) is not { } assignment) continue;
            var claims = new List<Claim> { new(Roles.StoreIdClaim, assignment.StoreId, ClaimValueTypes.String, Issuer) };
            if (assignment.ClerkId is not null) claims.Add(new Claim(Roles.ClerkIdClaim, assignment.ClerkId, ClaimValueTypes.String, Issuer));
            var scoped = principal.Clone();
            scoped.AddIdentity(new ClaimsIdentity(claims));
            return scoped;
        }
        return principal;
    }
}
