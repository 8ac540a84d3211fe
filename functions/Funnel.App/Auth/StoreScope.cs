using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Auth;

/// <summary>
/// A store-scoped token (store, clerk, pos) only ever reaches its own store; hq reaches every store.
/// Used as an endpoint filter on routes with a {storeId}.
/// </summary>
internal static class StoreScope
{
    public static ProblemHttpResult? Check(ClaimsPrincipal user, string storeId, IReadOnlyCollection<string> allowedRoles)
    {
        var role = allowedRoles.FirstOrDefault(user.IsInRole);
        if (role is null)
        {
            return Problems.Forbidden($"This needs one of the roles {string.Join(", ", allowedRoles)}; the token has {RolesOf(user)}.");
        }
        if (role == Roles.Hq) return null;
        var tokenStore = user.FindFirstValue(Roles.StoreIdClaim);
        if (!string.Equals(tokenStore, storeId, StringComparison.Ordinal))
        {
            return Problems.Forbidden(tokenStore is null
                ? $"The {role} token carries no storeId claim and its user or app is not assigned to a store, so it cannot reach store '{storeId}'. HQ assigns it: PUT /api/stores/{storeId}/staff/{{objectId}}."
                : $"The token is scoped to store '{tokenStore}' and cannot reach store '{storeId}'.");
        }
        return null;
    }

    /// <summary>Requires an authenticated caller with one of <paramref name="roles"/>, scoped to the route's {storeId}.</summary>
    public static TBuilder RequireStoreScope<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization();
        builder.WithMetadata(new StoreScopeMetadata(roles));
        builder.AddEndpointFilter(async (context, next) =>
        {
            var storeId = context.HttpContext.GetRouteValue("storeId") as string ?? "";
            return Check(context.HttpContext.User, storeId, roles) ?? await next(context);
        });
        return builder;
    }

    public static string RolesOf(ClaimsPrincipal user)
    {
        var roles = Roles.All.Where(user.IsInRole).ToList();
        return roles.Count == 0 ? "no Funnel role" : "role " + string.Join(", ", roles);
    }
}

/// <summary>Marks a route <see cref="StoreScope.RequireStoreScope"/> guards (the OpenAPI document declares its 403).</summary>
internal sealed record StoreScopeMetadata(IReadOnlyList<string> Roles);
