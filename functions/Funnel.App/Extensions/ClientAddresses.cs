using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Funnel.App.Extensions;

/// <summary>
/// Which address a request comes from, for the public rate limit. A client writes whatever it likes into
/// X-Forwarded-For, so only what a trusted proxy appended counts: the framework's forwarded-headers handling, trusting
/// loopback (the Functions host, which forwards every request from there) and the proxies configured in
/// RateLimiting:KnownProxies, reads at most RateLimiting:ForwardedHops entries from the right. The address a trusted
/// proxy vouches for becomes the connection's remote address, and the rate limit keys on that.
/// </summary>
internal static class ClientAddresses
{
    public static IServiceCollection AddClientAddresses(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<RateLimitingOptions>>((o, limits) =>
        {
            var settings = limits.Value;
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            o.ForwardLimit = settings.ForwardedHops;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Add(IPAddress.Loopback);
            o.KnownProxies.Add(IPAddress.IPv6Loopback);
            foreach (var proxy in settings.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address)) o.KnownProxies.Add(address);
                else o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
        });
        return services;
    }

    /// <summary>Applies forwarded addresses when they are trusted (RateLimiting:TrustForwardedFor; default: under the Functions host).</summary>
    public static WebApplication UseClientAddresses(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
        if (settings.TrustForwardedFor ?? FunctionsHost.IsPresent) app.UseForwardedHeaders();
        return app;
    }

    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
