using System.Text.Json;
using Azure;
using Funnel.App.Lanes;
using Microsoft.AspNetCore.Diagnostics;

namespace Funnel.App.Extensions;

internal static class ProblemExtensions
{
    public static IServiceCollection AddFunnelProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier);
            c.ProblemDetails.Detail ??= DefaultDetail(c.HttpContext);
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }

    /// <summary>A detail for the problems the framework raises with a status alone (no route, wrong method, body too large).</summary>
    private static string DefaultDetail(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => $"Nothing is served at {context.Request.Method} {context.Request.Path}; see /openapi/v1.json for the API.",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Path} does not take {context.Request.Method}; see /openapi/v1.json.",
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        StatusCodes.Status400BadRequest => "The request could not be read; check the body is JSON of the documented shape.",
        _ => "The request failed; see the status code.",
    };
}

/// <summary>
/// Turns what escapes a handler into a problem response: bad bodies into 400/413 with what was wrong,
/// storage outages into 503 (retry), anything else into a 500 that shows no internals.
/// </summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Problems.Create(413, "too-large", "The body is too large", "The request body is larger than this endpoint accepts."),
            BadHttpRequestException { InnerException: JsonException json } =>
                Problems.BadRequest($"The body is not valid JSON for this endpoint: {json.Message}"),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                Problems.Create(415, "unsupported-media-type", "Unsupported media type", "Send the body as application/json."),
            BadHttpRequestException bad => Problems.Create(bad.StatusCode, "bad-request", "The request is not valid", bad.Message),
            StoreNotFoundException missing => Problems.NotFound($"Store '{missing.StoreId}' does not exist; HQ creates stores with PUT /api/stores/{{storeId}}."),
            _ when DidNotAnswer(exception, httpContext) =>
                Problems.Unavailable("Storage did not answer; nothing was lost. Retry in a moment (scans: with the same scanId)."),
            // The storage client gave up after its own retries ("Retry failed after 4 tries"): the same, not a 500.
            AggregateException { InnerExceptions: var inner } when inner.Count > 0 && inner.All(e => DidNotAnswer(e, httpContext)) =>
                Problems.Unavailable("Storage did not answer; nothing was lost. Retry in a moment (scans: with the same scanId)."),
            _ => null,
        };
        if (problem is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, PersonalData.RouteOf(httpContext));
            problem = Problems.Create(500, "internal", "Something went wrong",
                "The server failed on this request. It is logged with the traceId below; retrying is safe.");
        }
        else if (problem.StatusCode >= 500)
        {
            LogUnavailable(logger, exception, httpContext.Request.Method, PersonalData.RouteOf(httpContext));
        }
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// Storage failed or did not answer in time. The storage client reports a request past its network timeout as a
    /// cancellation (TaskCanceledException) that the caller did not ask for: the request was not aborted.
    /// </summary>
    private static bool DidNotAnswer(Exception e, HttpContext httpContext) =>
        e is RequestFailedException or HttpRequestException or TimeoutException
        || (e is OperationCanceledException && !httpContext.RequestAborted.IsCancellationRequested);

    // The route's pattern, not the path: a path may hold a lead id or a signed token.
    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Route}")]
    private static partial void LogUnhandled(ILogger logger, Exception error, string method, string route);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable on {Method} {Route}")]
    private static partial void LogUnavailable(ILogger logger, Exception error, string method, string route);
}
