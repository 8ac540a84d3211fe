using Funnel.App.Extensions;
using Microsoft.Extensions.Options;

namespace Funnel.App.Apis;

/// <summary>Absolute URLs shoppers open: on Funnel:PublicBaseUrl when set, otherwise on the request's own base.</summary>
internal static class PublicUrls
{
    public static string Base(HttpRequest request, IOptions<FunnelOptions> options) =>
        options.Value.PublicBaseUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}";
}
