using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Funnel.Dev.Tokens;

namespace Funnel.App.Tests.Apis;

[Collection(AzuriteCollection.Name)]
public sealed class AuthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task NoToken_Is401Problem()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        var problem = await (await app.Anonymous().GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Unauthorized);

        Assert.Contains("bearer token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenSignedWithAnotherKey_Is401()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var client = app.Anonymous();
        var token = DevTokens.Create(new AuthOptions { SigningKey = "some-other-signing-key-0123456789-abcdefgh" }, Roles.Hq, null, null, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(1));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var problem = await (await client.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Unauthorized);

        Assert.Contains("signature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredToken_Is401()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var client = app.Anonymous();
        var token = DevTokens.Create(new AuthOptions { SigningKey = FunnelAppFactory.SigningKey }, Roles.Hq, null, null, TimeProvider.System.GetUtcNow().AddHours(-3), TimeSpan.FromHours(1));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var problem = await (await client.GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Unauthorized);

        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreRole_CannotCreateStores_403()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);

        var response = await app.As(Roles.Store, "s1").PutAsJsonAsync("/api/stores/s1", new { name = "x", region = "east" });

        var problem = await response.Problem(HttpStatusCode.Forbidden);
        Assert.Contains("hq", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreToken_OfAnotherStore_Is403AndItsOwnStoreIsAllowed()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateStore("s2");

        var other = await (await app.As(Roles.Clerk, "s2", "c1").GetAsync("/api/stores/s1/groups")).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("'s2'", other.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.As(Roles.Store, "s2").PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till" })).Problem(HttpStatusCode.Forbidden);

        await (await app.As(Roles.Clerk, "s1", "c1").GetAsync("/api/stores/s1/groups")).Json(HttpStatusCode.OK);
        await (await app.As(Roles.Store, "s1").PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till" })).Json(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ClerkToken_IssuesCodesForItsOwnClerkOnly()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await hq.CreateStore("s1");
        await hq.CreateClerk("s1", "c1");
        await hq.CreateClerk("s1", "c2");
        var clerk = app.As(Roles.Clerk, "s1", "c1");

        var own = await (await clerk.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till" })).Json(HttpStatusCode.Created);
        Assert.Equal(await hq.CreateCode("s1", "c1"), own.GetProperty("code").GetString()); // the clerk's own code, clerkId given or not
        var other = await (await clerk.PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till", clerkId = "c2" })).Problem(HttpStatusCode.Forbidden);
        Assert.Contains("'c1'", other.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await app.As(Roles.Clerk, "s2", "c1").PostAsJsonAsync("/api/stores/s1/codes", new { channel = "till" })).Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PosRole_CannotReadTheFunnel_403()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        await app.Hq().CreateStore("s1");

        await (await app.As(Roles.Pos, "s1").GetAsync("/api/stores/s1/funnel")).Problem(HttpStatusCode.Forbidden);
    }

    /// <summary>A caller who may not reach a store learns nothing about its input: the 403 comes before the body is read.</summary>
    [Fact]
    public async Task AnotherStoresRoute_IsRefusedBeforeItsBodyIsRead()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var store = app.As(Roles.Store, "s1");
        var malformed = new StringContent("not json", System.Text.Encoding.UTF8, "application/json");

        await (await store.PostAsync("/api/stores/s2/codes", malformed)).Problem(HttpStatusCode.Forbidden);
        await (await app.As(Roles.Clerk, "s1", "c1").PutAsync("/api/stores/s1/clerks/c2", new StringContent("{\"name\": 42}", System.Text.Encoding.UTF8, "application/json")))
            .Problem(HttpStatusCode.Forbidden); // a role the route does not take
    }
}
