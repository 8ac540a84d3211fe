using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Auth;

/// <summary>
/// A store-scoped token (store, clerk, pos) only ever reaches its own store; hq reaches every store. Checked on routes
/// with a {storeId} by a middleware right after authorization, before the endpoint reads anything: a caller who may
/// not reach the store learns nothing about its input (an endpoint filter ran after the body was read, and a
/// malformed body answered 400 before the 403).
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
        return builder;
    }

    /// <summary>Refuses (403) a signed-in caller the route's <see cref="StoreScopeMetadata"/> does not let reach its {storeId}.</summary>
    public static IApplicationBuilder UseStoreScope(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<StoreScopeMetadata>() is { } scope && context.User.Identity?.IsAuthenticated == true &&
            Check(context.User, context.GetRouteValue("storeId") as string ?? "", scope.Roles) is { } refused)
        {
            await refused.ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    public static string RolesOf(ClaimsPrincipal user)
    {
        var roles = Roles.All.Where(user.IsInRole).ToList();
        return roles.Count == 0 ? "no Funnel role" : "role " + string.Join(", ", roles);
    }
}

/// <summary>Marks a route <see cref="StoreScope.RequireStoreScope"/> guards (the OpenAPI document declares its 403).</summary>
internal sealed record StoreScopeMetadata(IReadOnlyList<string> Roles);
