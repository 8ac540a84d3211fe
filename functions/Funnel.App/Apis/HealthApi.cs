using Azure.Data.Tables;
using Funnel.App.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithName("Health").AllowAnonymous();
        return app;
    }

    /// <summary>200 only when the tables exist and storage answers a read now.</summary>
    internal static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> GetHealth(
        StorageInitializer initializer, FunnelTables tables, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!initializer.IsReady) return Problems.Unavailable("Storage has not been reached yet; the tables are not created.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await tables.Stores.GetEntityIfExistsAsync<TableEntity>("health", "probe", cancellationToken: timeout.Token);
            return TypedResults.Ok(new HealthResponse("ok", time.GetUtcNow()));
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException)
        {
            return Problems.Unavailable($"Storage is not reachable: {e.GetType().Name}.");
        }
    }

    /// <summary><c>now</c>: the app's clock, which runs faster under Journeys:TimeScale (the demo reads it to stamp purchases).</summary>
    internal sealed record HealthResponse(string Status, DateTimeOffset Now);
}
