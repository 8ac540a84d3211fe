using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Dev.Tokens;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Auth;

/// <summary>
/// Issue #14's authorization matrix: every route × {no token, bad signature, expired, alg none, hq, store, clerk, pos}
/// × {own store, other store}, each cell asserted against <see cref="AuthorizationMatrix"/>, on one app and one Azurite.
/// The route list is the running app's own, so a route without an expectation (or an expectation without a route) fails.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class AuthorizationMatrixTests(AzuriteFixture azurite)
{
    private const string OwnStore = "s1";
    private const string OtherStore = "s2";
    private const string Clerk = "c1";

    [Fact]
    public async Task Every_route_of_the_app_has_an_expectation_or_a_stated_exclusion_and_no_expectation_is_stale()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Normalized(e.RoutePattern.RawText)}"))
            .ToHashSet(StringComparer.Ordinal);
        var expected = AuthorizationMatrix.Routes.Select(r => r.Route).ToList();
        var excluded = AuthorizationMatrix.Excluded.Select(x => x.Route).ToList();

        var problems = new List<string>();
        problems.AddRange(routes.Where(r => !expected.Contains(r) && !excluded.Contains(r)).Order(StringComparer.Ordinal)
            .Select(r => $"{r}: the app has this route and the matrix has no expectation for it (add it to AuthorizationMatrix.Routes)."));
        problems.AddRange(expected.Concat(excluded).Where(r => !routes.Contains(r))
            .Select(r => $"{r}: the matrix names this route and the app has no such route (remove or rename it)."));
        problems.AddRange(expected.Concat(excluded).GroupBy(r => r, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: listed {g.Count()} times in the matrix (routes and exclusions together)."));

        Assert.True(problems.Count == 0, $"The matrix and the app's routes disagree:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public async Task Every_cell_answers_401_403_or_allowed_as_the_product_rules_say()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore(OwnStore);
        await hq.CreateStore(OtherStore);
        await hq.CreateClerk(OwnStore, Clerk);
        await hq.CreateClerk(OtherStore, Clerk);
        var values = RouteValues(await hq.CreateCode(OwnStore));
        var credentials = Credentials();
        var clients = credentials.ToDictionary(c => c.Name, c => Client(app, c.Token), StringComparer.Ordinal);

        var failures = new List<string>();
        var cells = 0;
        foreach (var route in AuthorizationMatrix.Routes)
        {
            foreach (var credential in credentials)
            {
                StoreSide[] sides = route.HasStore ? [StoreSide.Own, StoreSide.Other] : [StoreSide.Own];
                foreach (var side in sides)
                {
                    cells++;
                    var path = Fill(route.Pattern, side == StoreSide.Own ? OwnStore : OtherStore, values);
                    var expected = AuthorizationMatrix.Expected(route, credential, side);
                    using var request = Request(route.Method, path);
                    using var response = await clients[credential.Name].SendAsync(request);
                    if (Failure(expected, response) is { } actual)
                    {
                        failures.Add($"{route.Route} | {credential.Name} | {Describe(route, side)} | {route.Method} {path} | expected {Describe(expected)}, got {actual}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {cells} cells of the authorization matrix are wrong (route | credential | store | request | outcome):\n{string.Join('\n', failures)}");
    }

    [Fact]
    public async Task Excluded_public_routes_answer_without_a_token()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore(OwnStore);
        var code = await hq.CreateCode(OwnStore);
        var anonymous = app.Anonymous();

        foreach (var path in new[] { "/healthz", "/openapi/v1.json", $"/s/{code}", "/clerk", "/hq" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} without a token: expected 200, got {(int)response.StatusCode}.");
        }
    }

    /// <summary>
    /// No token, then three tokens the app must refuse (each claims hq of s1, the most the matrix can ask for, so a
    /// token that slipped through would be let in everywhere), then one valid token a role.
    /// </summary>
    private static List<Credential> Credentials()
    {
        var now = TimeProvider.System.GetUtcNow();
        var foreignKey = new AuthOptions { SigningKey = "some-other-signing-key-0123456789-abcdefgh" };
        var ownKey = new AuthOptions { SigningKey = FunnelAppFactory.SigningKey };
        return
        [
            new("no token", null, null),
            new("bad signature (hq, another key)", null, DevTokens.Create(foreignKey, Roles.Hq, OwnStore, null, now, TimeSpan.FromHours(1))),
            new("expired (hq)", null, DevTokens.Create(ownKey, Roles.Hq, OwnStore, null, now.AddHours(-3), TimeSpan.FromHours(1))),
            new("alg none (hq, unsigned)", null, UnsignedToken(now)),
            new("hq", Roles.Hq, FunnelAppFactory.Token(Roles.Hq)),
            new($"store {OwnStore}", Roles.Store, FunnelAppFactory.Token(Roles.Store, OwnStore)),
            new($"clerk {OwnStore}/{Clerk}", Roles.Clerk, FunnelAppFactory.Token(Roles.Clerk, OwnStore, Clerk)),
            new($"pos {OwnStore}", Roles.Pos, FunnelAppFactory.Token(Roles.Pos, OwnStore)),
        ];
    }

    /// <summary>A token that says everything a valid hq token says, with "alg": "none" and no signature.</summary>
    private static string UnsignedToken(DateTimeOffset now)
    {
        var options = new AuthOptions();
        var header = JsonSerializer.SerializeToUtf8Bytes(new { alg = "none", typ = "JWT" });
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "forged-hq",
            ["role"] = Roles.Hq,
            [Roles.StoreIdClaim] = OwnStore,
            ["iss"] = options.Issuer,
            ["aud"] = options.Audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        });
        return $"{Base64Url.EncodeToString(header)}.{Base64Url.EncodeToString(payload)}.";
    }

    /// <summary>Valid ids for every route parameter but {storeId} (the cell's store): the point is auth, not the handler.</summary>
    private static Dictionary<string, string> RouteValues(string code) => new(StringComparer.Ordinal)
    {
        ["clerkId"] = Clerk,
        ["objectId"] = "0a1b2c3d-0000-4000-8000-00000000c0de",
        ["leadId"] = "0123456789abcdef0123456789abcdef",
        ["code"] = code,
        ["campaignId"] = "spring",
        ["assetId"] = "poster",
        ["token"] = "not-a-share-link",
        ["eventId"] = "e-1",
        ["chatId"] = "wrStandIn",
        ["tag"] = "vip",
        ["segmentId"] = "everyone",
        ["broadcastId"] = "b1",
    };

    /// <summary>A group's "" route comes out as "/api/stores/{storeId}/"; routing matches it with or without the slash.</summary>
    private static string Normalized(string? pattern) => pattern is { Length: > 1 } ? pattern.TrimEnd('/') : pattern ?? "";

    private static string Fill(string pattern, string storeId, Dictionary<string, string> values) =>
        RouteParameter().Replace(pattern, m => m.Groups[1].Value == "storeId" ? storeId
            : values.TryGetValue(m.Groups[1].Value, out var value) ? value
            : throw new InvalidOperationException($"{pattern}: no value for {{{m.Groups[1].Value}}}; add one to RouteValues."));

    private static HttpClient Client(FunnelAppFactory app, string? token)
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Bodies are the smallest JSON there is: enough to reach authorization, not to satisfy the handler.</summary>
    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
    };

    /// <summary>Null when the response is the expected outcome; else what it was instead.</summary>
    private static string? Failure(Outcome expected, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        var matches = expected switch
        {
            Outcome.Unauthorized => status == 401 && problem,
            Outcome.Forbidden => status == 403 && problem,
            _ => status is not (401 or 403) && status < 500,
        };
        return matches ? null : $"{status}{(status is 401 or 403 && !problem ? " (not problem+json)" : "")}";
    }

    private static string Describe(Outcome outcome) => outcome switch
    {
        Outcome.Unauthorized => "401 problem",
        Outcome.Forbidden => "403 problem",
        _ => "allowed (not 401/403/5xx)",
    };

    private static string Describe(RouteRule route, StoreSide side) =>
        !route.HasStore ? "no {storeId} in route: own cell only"
        : side == StoreSide.Own ? $"own store ({OwnStore})"
        : $"other store ({OtherStore})";

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteParameter();
}
