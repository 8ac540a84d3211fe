using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;
using Microsoft.IdentityModel.Tokens;

namespace Funnel.App.Tests.Auth;

/// <summary>
/// The app configured for Entra ID (no dev key), with tokens shaped like Entra's: app roles only, no storeId or
/// clerkId claims. HQ's staff assignment scopes them; tokens that carry the claims keep them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StaffTests(AzuriteFixture azurite)
{
    private const string Ana = "0a1b2c3d-0000-4000-8000-00000000a0a0";
    private const string PosApp = "0a1b2c3d-0000-4000-8000-0000000000b5";
    private const string PosServicePrincipal = "0a1b2c3d-0000-4000-8000-0000000000c7";

    private FunnelAppFactory EntraApp() =>
        new(azurite.Server.ConnectionString, settings: EntraLikeTokens.Settings()) { MoreServices = EntraLikeTokens.Trust };

    private static HttpClient With(FunnelAppFactory app, string token)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpClient> ChainAsync(FunnelAppFactory app)
    {
        var hq = With(app, EntraLikeTokens.Create("0a1b2c3d-0000-4000-8000-0000000000f1", [Roles.Hq]));
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");
        await hq.CreateClerk("s1", "c1");
        return hq;
    }

    [Fact]
    public async Task A_clerk_role_alone_reaches_nothing_until_hq_assigns_the_user_then_only_its_store_and_clerk()
    {
        await using var app = EntraApp();
        var hq = await ChainAsync(app);
        var ana = With(app, EntraLikeTokens.Create(Ana, [Roles.Clerk]));

        var refused = await (await ana.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("PUT /api/stores/s1/staff/", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var me = await (await ana.GetAsync("/api/me")).Json(HttpStatusCode.OK);
        Assert.False(me.TryGetProperty("storeId", out _), "No store before HQ assigns one.");

        var assigned = await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{Ana.ToUpperInvariant()}", new { clerkId = "c1" })).Json(HttpStatusCode.OK);
        Assert.Equal(Ana, assigned.GetProperty("objectId").GetString());

        await (await ana.GetAsync("/api/stores/s1/groups")).Json(HttpStatusCode.OK);
        await (await ana.GetAsync("/api/stores/s2/groups")).Problem(HttpStatusCode.Forbidden);
        me = await (await ana.GetAsync("/api/me")).Json(HttpStatusCode.OK);
        Assert.Equal(("s1", "c1", "staff-assignment"), (me.GetProperty("storeId").GetString(), me.GetProperty("clerkId").GetString(), me.GetProperty("storeFrom").GetString()));
        // The assignment's clerk is the caller's clerk: codes for c1 only.
        await (await ana.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c1", channel = "till" })).Json(HttpStatusCode.Created);
        var other = await (await ana.PostAsJsonAsync("/api/stores/s1/codes", new { clerkId = "c2", channel = "till" })).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("'c1'", other.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var staff = await (await hq.GetAsync("/api/stores/s1/staff")).Json(HttpStatusCode.OK);
        Assert.Equal([Ana], staff.EnumerateArray().Select(s => s.GetProperty("objectId").GetString()));

        await (await hq.DeleteAsync($"/api/stores/s1/staff/{Ana}")).Json(HttpStatusCode.NoContent);
        await (await ana.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Forbidden);
        await (await hq.DeleteAsync($"/api/stores/s1/staff/{Ana}")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_pos_application_is_assigned_by_its_client_id_and_posts_sales_for_its_store_only()
    {
        await using var app = EntraApp();
        var hq = await ChainAsync(app);
        var pos = With(app, EntraLikeTokens.Create(PosServicePrincipal, [Roles.Pos], clientId: PosApp));
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{PosApp}", new { })).Json(HttpStatusCode.OK);

        var accepted = await pos.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p1", "s1", "walk-in", 12m), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await (await pos.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p2", "s2", "walk-in", 12m), System.Text.Encoding.UTF8, "application/json"))).Problem(HttpStatusCode.Forbidden);

        // Moving it to s2 says where it came from, and takes effect at once on this instance.
        var moved = await (await hq.PutAsJsonAsync($"/api/stores/s2/staff/{PosApp}", new { })).Json(HttpStatusCode.OK);
        Assert.Equal("s1", moved.GetProperty("movedFrom").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await pos.PostAsync("/api/purchases", new StringContent(PurchaseFixtures.Message("p3", "s2", "walk-in", 12m), System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    /// <summary>In a user's token "azp" names the pages' app, not the user: an assignment of that id scopes no user.</summary>
    [Fact]
    public async Task A_users_token_is_never_scoped_by_the_app_it_signed_in_through()
    {
        await using var app = EntraApp();
        var hq = await ChainAsync(app);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{EntraLikeTokens.PagesClientId}", new { })).Json(HttpStatusCode.OK);
        var stranger = With(app, EntraLikeTokens.Create("0a1b2c3d-0000-4000-8000-00000000dead", [Roles.Store]));

        await (await stranger.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_that_carries_the_claims_keeps_them_and_hq_needs_no_assignment()
    {
        await using var app = EntraApp();
        var hq = await ChainAsync(app);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{Ana}", new { })).Json(HttpStatusCode.OK);
        var mapped = With(app, EntraLikeTokens.Create(Ana, [Roles.Store], extra: new Dictionary<string, string> { [Roles.StoreIdClaim] = "s2" }));

        await (await mapped.GetAsync("/api/stores/s2/groups")).Json(HttpStatusCode.OK);
        await (await mapped.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Forbidden);
        var me = await (await mapped.GetAsync("/api/me")).Json(HttpStatusCode.OK);
        Assert.Equal("token", me.GetProperty("storeFrom").GetString());
    }

    [Fact]
    public async Task Assignments_are_hq_only_and_bad_ones_are_refused_with_a_reason()
    {
        await using var app = EntraApp();
        var hq = await ChainAsync(app);
        await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{Ana}", new { })).Json(HttpStatusCode.OK);
        var manager = With(app, EntraLikeTokens.Create(Ana, [Roles.Store]));
        await (await manager.PutAsJsonAsync($"/api/stores/s1/staff/{PosApp}", new { })).Problem(HttpStatusCode.Forbidden);

        var notGuid = await (await hq.PutAsJsonAsync("/api/stores/s1/staff/ana", new { })).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("GUID", notGuid.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await hq.PutAsJsonAsync($"/api/stores/nowhere/staff/{PosApp}", new { })).Problem(HttpStatusCode.NotFound);
        var noClerk = await (await hq.PutAsJsonAsync($"/api/stores/s1/staff/{PosApp}", new { clerkId = "c9" })).Problem(HttpStatusCode.NotFound);
        Assert.Contains("PUT /api/stores/s1/clerks/c9", noClerk.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_not_from_the_configured_issuer_or_key_are_refused()
    {
        await using var app = EntraApp();
        await ChainAsync(app);
        using var otherKey = RSA.Create(2048);
        var forged = EntraLikeTokens.Create(Ana, [Roles.Hq], key: new RsaSecurityKey(otherKey) { KeyId = "funnel-test-key" });
        var otherTenant = EntraLikeTokens.Create(Ana, [Roles.Hq], issuer: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0");
        var dev = FunnelAppFactory.Token(Roles.Hq);

        Assert.Contains("signature", (await (await With(app, forged).GetAsync("/api/stores/s1")).Problem(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("issuer", (await (await With(app, otherTenant).GetAsync("/api/stores/s1")).Problem(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await With(app, dev).GetAsync("/api/stores/s1")).Problem(HttpStatusCode.Unauthorized);
    }
}
