namespace Funnel.App.Extensions;

/// <summary>
/// Every JSON answer (data or problem) carries personal or staff data, or says something about it: none is cached by
/// a browser or proxy (Cache-Control: no-store, unless the endpoint chose a policy itself) and none is sniffed as
/// another type (X-Content-Type-Options: nosniff).
/// </summary>
internal sealed class JsonResponseHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var response = ((HttpContext)state).Response;
            if (response.ContentType is { } type && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase)))
            {
                response.Headers.XContentTypeOptions = "nosniff";
                if (string.IsNullOrEmpty(response.Headers.CacheControl)) response.Headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
