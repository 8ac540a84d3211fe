using Microsoft.AspNetCore.Http.Features;

namespace Funnel.App.Extensions;

/// <summary>
/// Refuses a request whose path, as sent, holds a "." or ".." segment in any spelling (%2e, %2E, mixed), an encoded
/// slash or backslash. The server resolves such segments, so "/api/%2e%2e/PurchasesQueue", which the Functions host
/// forwards as an "api/{*path}" request, would otherwise reach a route no HTTP function exposes. No client of this
/// API needs them. Runs first, before routing.
/// </summary>
internal sealed class PathGuardMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        return IsSuspicious(raw)
            ? Problems.BadRequest("The path holds a '.' or '..' segment or an encoded slash; address the resource directly.").ExecuteAsync(context)
            : next(context);
    }

    internal static bool IsSuspicious(string rawTarget)
    {
        var path = rawTarget.Split('?', 2)[0];
        if (path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%5c", StringComparison.OrdinalIgnoreCase) || path.Contains('\\')) return true;
        foreach (var segment in path.Split('/'))
        {
            var decoded = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (decoded is "." or "..") return true;
        }
        return false;
    }
}
