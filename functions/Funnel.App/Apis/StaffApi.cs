using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

/// <summary>
/// Staff membership (HQ only): which Entra user (object id) or POS application (client id) works for a store, and as
/// which clerk. A token that carries a store role but no storeId claim is scoped by it (<see cref="StaffClaims"/>).
/// And "who am I" for any signed-in caller: what the app makes of the token, which the pages show.
/// </summary>
internal static class StaffApi
{
    public static IEndpointRouteBuilder MapStaffApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stores/{storeId}/staff").WithTags("Staff");
        api.MapGet("", ListStaff).WithName("ListStaff").RequireStoreScope(Roles.Hq);
        api.MapPut("/{objectId}", PutStaff).WithName("PutStaff").RequireStoreScope(Roles.Hq).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{objectId}", DeleteStaff).WithName("DeleteStaff").RequireStoreScope(Roles.Hq).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/me", Me).WithName("Me").WithTags("Staff").RequireAuthorization();
        return app;
    }

    internal static async Task<Results<Ok<StaffResponse>, ValidationProblem, ProblemHttpResult>> PutStaff(
        string storeId, string objectId, StaffRequest? body, StoreRepository stores, StaffDirectory staff, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        PrincipalId(v, objectId);
        v.Id("clerkId", body?.ClerkId, required: false);
        if (!v.IsValid) return v.Problem();
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist; create it first with PUT /api/stores/{storeId}.");
        if (body?.ClerkId is { } clerkId && await stores.GetClerkNameAsync(storeId, clerkId, cancellationToken) is null)
        {
            return Problems.NotFound($"Store '{storeId}' has no clerk '{clerkId}'; add the clerk first with PUT /api/stores/{storeId}/clerks/{clerkId}.");
        }
        var principalId = objectId.ToLowerInvariant();
        var previous = await staff.FindAsync(principalId, cancellationToken);
        var assignment = new StaffAssignment(principalId, storeId, body?.ClerkId, time.GetUtcNow());
        await staff.SaveAsync(assignment, cancellationToken);
        return TypedResults.Ok(StaffResponse.From(assignment, previous?.StoreId is { } before && before != storeId ? before : null));
    }

    internal static async Task<Ok<List<StaffResponse>>> ListStaff(string storeId, StaffDirectory staff, CancellationToken cancellationToken) =>
        TypedResults.Ok((await staff.ListAsync(storeId, cancellationToken)).OrderBy(a => a.PrincipalId, StringComparer.Ordinal).Select(a => StaffResponse.From(a, null)).ToList());

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteStaff(
        string storeId, string objectId, StaffDirectory staff, CancellationToken cancellationToken)
    {
        var v = new Validation();
        PrincipalId(v, objectId);
        if (!v.IsValid) return v.Problem();
        return await staff.RemoveAsync(storeId, objectId.ToLowerInvariant(), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"'{objectId}' is not assigned to store '{storeId}'.");
    }

    /// <summary>The caller as the app sees it after scoping: roles, store and clerk, and where the store came from.</summary>
    internal static Ok<MeResponse> Me(ClaimsPrincipal user)
    {
        var storeClaim = user.FindFirst(Roles.StoreIdClaim);
        return TypedResults.Ok(new MeResponse(
            user.FindFirstValue("sub") ?? user.FindFirstValue("oid"),
            Roles.All.Where(user.IsInRole).ToList(),
            storeClaim?.Value,
            user.FindFirstValue(Roles.ClerkIdClaim),
            storeClaim is null ? null : storeClaim.Issuer == StaffClaims.Issuer ? "staff-assignment" : "token"));
    }

    /// <summary>Entra object ids and client ids are GUIDs; anything else cannot be one.</summary>
    private static void PrincipalId(Validation v, string objectId)
    {
        if (!Guid.TryParseExact(objectId, "D", out _))
        {
            v.Add("objectId", "'objectId' is the Entra object id of a user, or the client (application) id of a POS app: a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e.");
        }
    }
}

internal sealed record StaffRequest(string? ClerkId);

/// <param name="MovedFrom">Set when the assignment moved the principal from another store (a principal works for one store).</param>
internal sealed record StaffResponse(string ObjectId, string StoreId, string? ClerkId, DateTimeOffset UpdatedAt, string? MovedFrom)
{
    public static StaffResponse From(StaffAssignment a, string? movedFrom) => new(a.PrincipalId, a.StoreId, a.ClerkId, a.UpdatedAt, movedFrom);
}

/// <param name="StoreFrom">"token" when the token carries the store, "staff-assignment" when HQ's assignment gave it.</param>
internal sealed record MeResponse(string? Subject, List<string> Roles, string? StoreId, string? ClerkId, string? StoreFrom);
