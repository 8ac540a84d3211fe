using System.Security.Claims;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.Core.Leads;
using Funnel.Core.Purchases;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class PurchasesApi
{
    public static IEndpointRouteBuilder MapPurchasesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/purchases", PostPurchase).WithName("PostPurchase").WithTags("Purchases")
            .RequireAuthorization(p => p.RequireRole(Roles.Pos))
            .WithRequestSizeLimit(64 * 1024)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// A till reports a sale or a refund: validated (its fields, its time, its store, the store's currency), then queued
    /// for the same handler as the queue and Service Bus paths (202: it will be counted once, however often it is sent).
    /// The shopper's identity is hashed here, before anything is queued: the queue carries the lead id, never the phone
    /// number. Only for a pos token of the purchase's store.
    /// </summary>
    internal static async Task<Results<Accepted<PurchaseAccepted>, ValidationProblem, ProblemHttpResult>> PostPurchase(
        PurchaseMessage body, ClaimsPrincipal user, FunnelQueues queues, Lanes.StoreLanes lanes, LeadIdHasher hasher, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!body.TryValidate(out var purchase, out var errors, time.GetUtcNow()))
        {
            var v = new Validation();
            foreach (var error in errors)
            {
                var colon = error.IndexOf(':', StringComparison.Ordinal);
                v.Add(colon > 0 ? error[..colon] : "body", error);
            }
            return v.Problem();
        }
        var tokenStore = user.FindFirst(Roles.StoreIdClaim)?.Value;
        if (tokenStore != purchase!.StoreId)
        {
            return Problems.Forbidden($"This pos token belongs to store '{tokenStore}' and cannot report a sale of store '{purchase.StoreId}'.");
        }
        // What can be known now is said now, not found later in the poison queue, where the till never learns of it.
        if (await lanes.GetSettingsAsync(purchase.StoreId, cancellationToken) is not { } store)
        {
            return Problems.NotFound($"Store '{purchase.StoreId}' does not exist; HQ creates it with PUT /api/stores/{purchase.StoreId}.");
        }
        if (store.CurrencyRefusal(purchase.Currency) is { } refusal)
        {
            var v = new Validation();
            v.Add("currency", refusal);
            return v.Problem();
        }
        if (purchase.ShopperId is { } shopperId)
        {
            body.LeadId = hasher.LeadIdFor(store.ShopperIdentity(shopperId));
            body.ShopperId = null;
        }
        await queues.Purchases.SendMessageAsync(BinaryData.FromString(JsonSerializer.Serialize(body, PurchaseMessage.Json)), cancellationToken: cancellationToken);
        return TypedResults.Accepted((string?)null, new PurchaseAccepted(purchase.PurchaseId, "queued"));
    }

    internal sealed record PurchaseAccepted(string PurchaseId, string Status);
}
