using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.App.WeCom;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

/// <summary>What the channel adapter did with a store's journey messages (WeCom: sent, failed with WeCom's reason, unconfirmed).</summary>
internal static class MessagesApi
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/stores/{storeId}").WithTags("Stores")
            .MapGet("/messages", GetMessages).WithName("GetMessages").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// The store's delivery counts per local day (the same <c>from</c>, <c>to</c> and <c>days</c> as the funnel): one
    /// row per day that had deliveries, whatever the number of messages. Messages logged because the lead has no
    /// channel (or WeCom is off) are not delivered, so not counted here.
    /// </summary>
    internal static async Task<Results<Ok<MessagesResponse>, ValidationProblem, ProblemHttpResult>> GetMessages(
        string storeId, string? from, string? to, int? days, StoreRepository stores, DeliveryLedger ledger, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = await stores.GetAsync(storeId, cancellationToken);
        if (settings is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        var v = new Validation();
        var (fromDay, toDay) = StoresApi.ParseDays(v, from, to, days, settings.Policy, time.GetUtcNow());
        if (!v.IsValid) return v.Problem();
        var rows = await ledger.DaysAsync(storeId, fromDay, toDay, cancellationToken);
        return TypedResults.Ok(new MessagesResponse(storeId, fromDay, toDay, rows.Sum(d => d.Sent), rows.Sum(d => d.Failed), rows.Sum(d => d.Unconfirmed),
            [.. rows.Select(d => new MessagesDay(d.Day, d.Sent, d.Failed, d.Unconfirmed))]));
    }

    internal sealed record MessagesResponse(string StoreId, DateOnly From, DateOnly To, long Sent, long Failed, long Unconfirmed, List<MessagesDay> Days);

    internal sealed record MessagesDay(DateOnly Day, long Sent, long Failed, long Unconfirmed);
}
