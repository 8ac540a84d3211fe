using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Funnel.App.Auth;

/// <summary>
/// Scopes a token that carries a store role but no storeId claim (what Entra ID issues: app roles, no custom claims)
/// by the principal's staff assignment: a user by its object id ("oid"), an application by its client id ("azp",
/// or "appid" in v1 tokens). The assignment's store (and clerk) are added as the claims a dev token carries, so every
/// check downstream stays the same. A token that already carries storeId keeps it; hq needs no store.
/// </summary>
internal sealed class StaffClaims(StaffDirectory staff) : IClaimsTransformation
{
    public const string Issuer = "funnel-staff";
    private static readonly string[] PrincipalClaims = ["oid", "azp", "appid"];

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.HasClaim(c => c.Type == Roles.StoreIdClaim)) return principal;
        if (!Roles.All.Any(r => r != Roles.Hq && principal.IsInRole(r))) return principal;

        foreach (var id in PrincipalClaims.Select(principal.FindFirstValue).OfType<string>().Select(v => v.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
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
