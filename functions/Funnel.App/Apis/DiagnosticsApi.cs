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

    /// <summary>Storage requests this instance has sent since it started (the benchmark's transactions-per-operation).</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.Ok<StorageDiagnostics> GetStorage(StorageRequestCounter counter) =>
        TypedResults.Ok(new StorageDiagnostics(counter.Requests, Environment.WorkingSet, GC.GetTotalMemory(false), counter.ByKind()));

    /// <summary><c>byKind</c>: requests and their total time by kind ("table query", "queue receive"…), since start.</summary>
    internal sealed record StorageDiagnostics(long StorageRequests, long WorkingSetBytes, long ManagedHeapBytes, IReadOnlyDictionary<string, StorageKindStats> ByKind);
}
