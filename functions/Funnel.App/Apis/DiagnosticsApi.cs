using Funnel.App.Auth;
using Funnel.App.Storage;

namespace Funnel.App.Apis;

internal static class DiagnosticsApi
{
    public static IEndpointRouteBuilder MapDiagnosticsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/diagnostics/storage", GetStorage).WithName("StorageDiagnostics").RequireAuthorization(p => p.RequireRole(Roles.Hq));
        return app;
    }

    /// <summary>
    /// Storage requests this instance has sent since it started (the benchmark's transactions-per-operation): in all,
    /// the app's own, and the journey engine's (its client and worker: starts, events, history, polling, leases).
    /// </summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.Ok<StorageDiagnostics> GetStorage(StorageRequestCounter counter, Journeys.JourneyEngine engine) =>
        TypedResults.Ok(new StorageDiagnostics(counter.Requests + engine.StorageRequests.Requests, counter.Requests, engine.StorageRequests.Requests,
            Environment.WorkingSet, GC.GetTotalMemory(false), counter.ByKind(), engine.StorageRequests.ByKind()));

    /// <summary><c>byKind</c>, <c>engineByKind</c>: requests and their total time by kind ("table query", "queue receive"…), since start.</summary>
    internal sealed record StorageDiagnostics(
        long StorageRequests, long AppRequests, long EngineRequests, long WorkingSetBytes, long ManagedHeapBytes,
        IReadOnlyDictionary<string, StorageKindStats> ByKind, IReadOnlyDictionary<string, StorageKindStats> EngineByKind);
}
