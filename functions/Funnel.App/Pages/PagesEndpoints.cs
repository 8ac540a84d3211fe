using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Funnel.App.Auth;
using Funnel.App.Lanes;
using Funnel.Core.Codes;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Funnel.App.Pages;

/// <summary>
/// The pages people use, served by the app itself: the shopper landing at a code's scan URL (/s/{code}), the clerk
/// dashboard (/clerk) and the HQ console (/hq), plus their CSS and scripts under /static. Plain HTML and small ES
/// modules from Pages/site (copied next to the app's dll); no framework, nothing from a CDN. The pages call the same
/// JSON API as every other client, with the token the person signed in with.
/// </summary>
internal static partial class PagesEndpoints
{
    public const string StaticPath = "/static";

    /// <summary>
    /// Pages may load only what this app serves; images may also come from storage (asset previews, SAS URLs). With
    /// Entra sign-in, the staff pages may also talk to the sign-in authority (metadata and tokens) and frame it (MSAL's
    /// silent renewal).
    /// </summary>
    private static string ContentSecurityPolicy(string? authorityOrigin = null) =>
        "default-src 'self'; img-src 'self' data: http: https:; " +
        (authorityOrigin is null ? "connect-src 'self'; " : $"connect-src 'self' {authorityOrigin}; frame-src {authorityOrigin}; ") +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static readonly ConcurrentDictionary<string, string> Templates = new(StringComparer.Ordinal);

    public static string SiteRoot => Path.Combine(AppContext.BaseDirectory, "Pages", "site");

    public static WebApplication UseFunnelPages(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(SiteRoot, "static")),
            RequestPath = StaticPath,
            OnPrepareResponse = c =>
            {
                // Revalidate every time (ETag → 304): a deploy shows at once, and a repeat visit costs a round trip, not a download.
                c.Context.Response.Headers.CacheControl = "no-cache";
                c.Context.Response.Headers.XContentTypeOptions = "nosniff";
            },
        });
        return app;
    }

    public static IEndpointRouteBuilder MapFunnelPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{code}", ShopperLanding).WithName("ShopperLanding").WithTags("Pages").AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/clerk", (IOptions<AuthOptions> auth) => StaffPage("clerk.html", "Clerk dashboard", "clerk.js", "Clerk",
                "Paste the token your store gave you.", "./run.sh token --role clerk --store s1 --clerk c1", auth.Value))
            .WithName("ClerkDashboard").WithTags("Pages").AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/hq", (IOptions<AuthOptions> auth) => StaffPage("hq.html", "HQ console", "hq.js", "HQ",
                "Paste your HQ token.", "./run.sh token --role hq", auth.Value))
            .WithName("HqConsole").WithTags("Pages").AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The code is checked here, before the page: a forged, altered or unknown code gets a page that says so in
    /// words a shopper understands (and what to do), never a stack trace or a form that cannot work.
    /// </summary>
    internal static async Task<IResult> ShopperLanding(string code, CodeSigner signer, StoreLanes lanes, CancellationToken cancellationToken)
    {
        if (!signer.TryVerify(code, out var entry, out _))
        {
            return Message(StatusCodes.Status400BadRequest, "This code doesn't work",
                "The QR code you scanned isn't one of ours, or it was damaged or changed. Please scan the code at the store's till again, or ask a shop assistant for help.");
        }
        var store = await lanes.GetSettingsAsync(entry!.StoreId, cancellationToken);
        if (store is null)
        {
            return Message(StatusCodes.Status404NotFound, "This store isn't taking sign-ups",
                "The QR code belongs to a store we don't know (it may have closed). Please ask a shop assistant for a current code.");
        }
        return Page("shopper.html", StatusCodes.Status200OK, new Dictionary<string, string>
        {
            ["storeName"] = store.Name,
            ["code"] = code,
            ["timeZone"] = store.TimeZone,
        });
    }

    /// <summary>
    /// A page for staff: the shared shell (staff.html: header, the token sign-in, the status line) around the page's
    /// own content (one of our files, inserted as it is), then the values, encoded. With Entra configured for the pages
    /// (<see cref="AuthOptions.PagesUseEntraId"/>) the body carries the client id, authority and scope MSAL signs in
    /// with. Rendered once for each set of values (they do not change while the app runs).
    /// </summary>
    private static HtmlPage StaffPage(string content, string title, string script, string brand, string tokenHelp, string devCommand, AuthOptions auth)
    {
        var entra = auth.PagesUseEntraId;
        var key = entra ? $"staff.html|{content}|{auth.PagesClientId}|{auth.Authority}|{auth.PagesScopeOrDefault}" : "staff.html|" + content;
        var html = Templates.GetOrAdd(key, _ => Fill(
            Template("staff.html").Replace("{{content}}", Template(content), StringComparison.Ordinal),
            new Dictionary<string, string>
            {
                ["title"] = title, ["script"] = script, ["brand"] = brand, ["tokenHelp"] = tokenHelp, ["devCommand"] = devCommand,
                ["entraClientId"] = entra ? auth.PagesClientId : "",
                ["entraAuthority"] = entra ? auth.Authority : "",
                ["entraScope"] = entra ? auth.PagesScopeOrDefault : "",
            }));
        return new(html, StatusCodes.Status200OK, entra ? new Uri(auth.Authority).GetLeftPart(UriPartial.Authority) : null);
    }

    private static HtmlPage Message(int status, string title, string message) =>
        Page("message.html", status, new Dictionary<string, string> { ["title"] = title, ["message"] = message });

    /// <summary>A page from its template, every {{name}} replaced by its HTML-encoded value.</summary>
    private static HtmlPage Page(string file, int status, IReadOnlyDictionary<string, string> values) =>
        new(Fill(Templates.GetOrAdd(file, Template), values), status);

    private static string Template(string file) => File.ReadAllText(Path.Combine(SiteRoot, file));

    /// <summary>One pass over the template, so a value that itself looks like {{name}} (a store's name) stays text.</summary>
    private static string Fill(string html, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(html, m => values.TryGetValue(m.Groups[1].Value, out var value) ? WebUtility.HtmlEncode(value) : m.Value);

    [GeneratedRegex(@"\{\{([A-Za-z]+)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    private sealed class HtmlPage(string html, int status, string? authorityOrigin = null) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(authorityOrigin);
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            return response.WriteAsync(html, httpContext.RequestAborted);
        }
    }
}
