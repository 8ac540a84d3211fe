using Microsoft.AspNetCore.Http.Metadata;

namespace Funnel.App.Extensions;

/// <summary>
/// Refuses a body announced larger than the endpoint's limit (<see cref="IRequestSizeLimitMetadata"/>, set
/// with <c>WithRequestSizeLimit</c>) with a 413 problem before reading it. Routing itself applies the limit
/// to the server, so a body that turns out larger fails while being read (mapped to 413 by the problem handler).
/// </summary>
internal sealed class RequestSizeLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
        {
            await Problems.Create(StatusCodes.Status413PayloadTooLarge, "too-large", "The body is too large",
                $"This endpoint accepts at most {max} bytes; the request announced {context.Request.ContentLength}.").ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}

internal static class RequestSizeLimitExtensions
{
    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimit(bytes));

    private sealed record RequestSizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
