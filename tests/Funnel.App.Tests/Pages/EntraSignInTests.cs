using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Funnel.App.Tests.Pages;

/// <summary>
/// The clerk page's "Sign in with Microsoft" in a real browser, against the app configured for Entra ID. Entra itself
/// is played by the test at the network edge (login.microsoftonline.com: metadata, the authorize redirect, the token
/// endpoint); everything on the page's side is real: MSAL from npm served by the app, the redirect with PKCE, the
/// page's CSP, and the access token (Entra-shaped, clerk role only) scoped by HQ's staff assignment.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EntraSignInTests(AzuriteFixture azurite)
{
    private const string Ana = "0a1b2c3d-0000-4000-8000-00000000a0a0";
    private static readonly string Login = "https://login.microsoftonline.com";

    [Fact]
    public async Task A_clerk_signs_in_with_Microsoft_and_the_page_shows_their_store_from_hqs_assignment()
    {
        var settings = EntraLikeTokens.Settings();
        settings["Funnel:PublicBaseUrl"] = ""; // the clerk's QR image on the app's own port
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: settings) { MoreServices = EntraLikeTokens.Trust };
        var baseUrl = app.StartOnPort();
        var hq = app.Anonymous();
        hq.DefaultRequestHeaders.Authorization = new("Bearer", EntraLikeTokens.Create("0a1b2c3d-0000-4000-8000-0000000000f1", [Roles.Hq]));
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{Ana}", new { clerkId = "c1" })).Json(HttpStatusCode.OK);

        await using var browser = await Browser.LaunchAsync();
        await using var ana = await browser.OpenAsync(baseUrl, nameof(A_clerk_signs_in_with_Microsoft_and_the_page_shows_their_store_from_hqs_assignment));
        var entra = new EntraStandIn();
        await ana.Page.RouteAsync($"{Login}/**", entra.Answer);

        await ana.Step("the page offers Microsoft sign-in", async page =>
        {
            await page.GotoAsync("/clerk");
            await Expect(page.Locator("#entra-sign-in")).ToBeVisibleAsync();
        });
        await ana.Step("Microsoft sign-in, and back", async page =>
        {
            await page.Locator("#entra-sign-in").ClickAsync();
            await Expect(page.Locator("#who")).ToHaveTextAsync("Store s1 · clerk c1");
        });

        var authorize = entra.Authorize;
        Assert.NotNull(authorize);
        var query = System.Web.HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal($"/{EntraLikeTokens.Tenant}/oauth2/v2.0/authorize", authorize.AbsolutePath);
        Assert.Equal(EntraLikeTokens.PagesClientId, query["client_id"]);
        Assert.Equal($"{baseUrl}/clerk", query["redirect_uri"]);
        Assert.Contains("api://funnel/access_as_user", query["scope"]!.Split(' '));
        Assert.Equal(("code", "S256"), (query["response_type"], query["code_challenge_method"]));
        Assert.True(ana.Errors.Count == 0, string.Join("\n", ana.Errors));
    }

    /// <summary>Entra's side of a sign-in, as far as the browser sees it: what it asked for is kept for the asserts.</summary>
    private sealed class EntraStandIn
    {
        private static readonly string[] Aliases = ["login.microsoftonline.com", "login.windows.net"];
        private string? _nonce;

        public Uri? Authorize { get; private set; }

        public async Task Answer(IRoute route)
        {
            var url = new Uri(route.Request.Url);
            var tenant = $"{Login}/{EntraLikeTokens.Tenant}";
            if (url.AbsolutePath.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal))
            {
                await Json(route, new Dictionary<string, object>
                {
                    ["issuer"] = EntraLikeTokens.Issuer,
                    ["authorization_endpoint"] = $"{tenant}/oauth2/v2.0/authorize",
                    ["token_endpoint"] = $"{tenant}/oauth2/v2.0/token",
                    ["end_session_endpoint"] = $"{tenant}/oauth2/v2.0/logout",
                    ["jwks_uri"] = $"{tenant}/discovery/v2.0/keys",
                });
            }
            else if (url.AbsolutePath.EndsWith("/discovery/instance", StringComparison.Ordinal))
            {
                await Json(route, new Dictionary<string, object>
                {
                    ["tenant_discovery_endpoint"] = $"{tenant}/v2.0/.well-known/openid-configuration",
                    ["api-version"] = "1.1",
                    ["metadata"] = new[] { new { preferred_network = "login.microsoftonline.com", preferred_cache = "login.windows.net", aliases = Aliases } },
                });
            }
            else if (url.AbsolutePath.EndsWith("/oauth2/v2.0/authorize", StringComparison.Ordinal))
            {
                Authorize = url;
                var query = System.Web.HttpUtility.ParseQueryString(url.Query);
                var back = $"{query["redirect_uri"]}#code=test-code&state={Uri.EscapeDataString(query["state"]!)}&client_info={ClientInfo()}&session_state=s";
                _nonce = query["nonce"];
                await route.FulfillAsync(new RouteFulfillOptions { Status = 302, Headers = new Dictionary<string, string> { ["Location"] = back } });
            }
            else if (url.AbsolutePath.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal))
            {
                await Json(route, new Dictionary<string, object>
                {
                    ["token_type"] = "Bearer",
                    ["scope"] = "api://funnel/access_as_user",
                    ["expires_in"] = 3600,
                    ["ext_expires_in"] = 3600,
                    ["access_token"] = EntraLikeTokens.Create(Ana, [Roles.Clerk]),
                    ["id_token"] = EntraLikeTokens.IdToken(Ana, _nonce ?? ""),
                    ["client_info"] = ClientInfo(),
                });
            }
            else
            {
                await route.FulfillAsync(new RouteFulfillOptions { Status = 404, Body = "not played by this test" });
            }
        }
    }

    private static string ClientInfo() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { uid = Ana, utid = EntraLikeTokens.Tenant }))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Task Json(IRoute route, object body) => route.FulfillAsync(new RouteFulfillOptions
    {
        Status = 200,
        ContentType = "application/json",
        Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = "*" },
        Body = JsonSerializer.Serialize(body),
    });
}
