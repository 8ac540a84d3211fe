using System.Net;
using System.Net.Http.Json;
using Funnel.App.Auth;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Contract;

internal static partial class ContractWalk
{
    private const string Unknown = "0123456789abcdef0123456789abcdef";
    private static readonly string[] Vip = ["vip"], NotATag = ["Not A Tag"];

    /// <summary>Tags, consent, segments, broadcasts, export, erasure and the audit.</summary>
    private static async Task Audience(FunnelAppFactory app, HttpClient hq, HttpClient anonymous)
    {
        // A shopper of this moment (the walk's clock has moved past the first session).
        var (leadId, shopper) = await app.ShopperScan(await hq.CreateCode("s1", "c1"), "13700000077");
        var clerk = app.As(Roles.Clerk, "s1", "c1");
        var otherClerk = app.As(Roles.Clerk, "s2", "c9");
        var pos = app.As(Roles.Pos, "s1");
        await (await clerk.PutAsync($"/api/leads/{leadId}/tags/vip", null)).Json(HttpStatusCode.OK);
        await (await clerk.PutAsync($"/api/leads/{leadId}/tags/did:purchase", null)).Problem(HttpStatusCode.BadRequest);
        await (await otherClerk.PutAsync($"/api/leads/{leadId}/tags/vip", null)).Problem(HttpStatusCode.NotFound);
        await (await clerk.GetAsync($"/api/leads/{leadId}/tags")).Json(HttpStatusCode.OK);
        await (await clerk.GetAsync("/api/leads/not-a-lead/tags")).Problem(HttpStatusCode.BadRequest);
        await (await otherClerk.GetAsync($"/api/leads/{leadId}/tags")).Problem(HttpStatusCode.NotFound);
        await (await pos.GetAsync($"/api/leads/{leadId}/tags")).Problem(HttpStatusCode.Forbidden);
        await (await anonymous.GetAsync($"/api/leads/{leadId}/tags")).Problem(HttpStatusCode.Unauthorized);
        await (await clerk.DeleteAsync($"/api/leads/{leadId}/tags/vip")).Json(HttpStatusCode.OK);
        await (await clerk.DeleteAsync($"/api/leads/{leadId}/tags/BAD")).Problem(HttpStatusCode.BadRequest);
        await (await otherClerk.DeleteAsync($"/api/leads/{leadId}/tags/vip")).Problem(HttpStatusCode.NotFound);
        await (await clerk.PutAsync($"/api/leads/{leadId}/tags/vip", null)).Json(HttpStatusCode.OK);

        await (await shopper.GetAsync($"/api/leads/{leadId}/consent")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/leads/not-a-lead/consent")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync($"/api/leads/{Unknown}/consent")).Problem(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync($"/api/leads/{leadId}/consent")).Problem(HttpStatusCode.Unauthorized);
        await (await pos.GetAsync($"/api/leads/{leadId}/consent")).Problem(HttpStatusCode.Forbidden);
        await (await shopper.PutAsJsonAsync($"/api/leads/{leadId}/consent", new { choice = "out", channel = "wecom" })).Json(HttpStatusCode.OK);
        await (await shopper.PutAsJsonAsync($"/api/leads/{leadId}/consent", new { choice = "in", channel = "wecom" })).Json(HttpStatusCode.OK);
        await (await shopper.PutAsJsonAsync($"/api/leads/{leadId}/consent", new { choice = "perhaps" })).Problem(HttpStatusCode.BadRequest);
        await (await clerk.PutAsJsonAsync($"/api/leads/{leadId}/consent", new { choice = "in" })).Problem(HttpStatusCode.Forbidden);
        await (await hq.PutAsJsonAsync($"/api/leads/{Unknown}/consent", new { choice = "out" })).Problem(HttpStatusCode.NotFound);
        await (await anonymous.PutAsJsonAsync($"/api/leads/{leadId}/consent", new { choice = "out" })).Problem(HttpStatusCode.Unauthorized);

        var segment = new { segmentId = "vips", name = "VIPs", filter = new { tagsAll = Vip } };
        await (await hq.PostAsJsonAsync("/api/segments", segment)).Json(HttpStatusCode.Created);
        await (await hq.PostAsJsonAsync("/api/segments", segment)).Json(HttpStatusCode.OK);
        await (await hq.PostAsJsonAsync("/api/segments", new { segmentId = "vips", name = "Other" })).Problem(HttpStatusCode.Conflict);
        await (await hq.PostAsJsonAsync("/api/segments", new { name = "x", filter = new { tagsAll = NotATag } })).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Store, "s1").PostAsJsonAsync("/api/segments", new { name = "x", scope = new { kind = "chain" } })).Problem(HttpStatusCode.Forbidden);
        await (await clerk.PostAsJsonAsync("/api/segments", segment)).Problem(HttpStatusCode.Forbidden);
        await (await hq.GetAsync("/api/segments")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/segments/vips/preview")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/segments/vips/preview?sample=1000")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync("/api/segments/nothing/preview")).Problem(HttpStatusCode.NotFound);
        await (await hq.PostAsJsonAsync("/api/segments/preview", new { filter = new { purchased = false } })).Json(HttpStatusCode.OK);
        await (await hq.PostAsJsonAsync("/api/segments/preview", new { filter = new { minPoints = -1 } })).Problem(HttpStatusCode.BadRequest);
        await (await app.As(Roles.Store, "s1").PostAsJsonAsync("/api/segments/preview", new { scope = new { kind = "store", storeId = "s2" } })).Problem(HttpStatusCode.Forbidden);

        await (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "b1", segmentId = "vips", text = "Hello from {store}" })).Json(HttpStatusCode.Accepted);
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "b1", segmentId = "vips", text = "Other words" })).Problem(HttpStatusCode.Conflict);
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { segmentId = "vips" })).Problem(HttpStatusCode.BadRequest);
        await (await hq.PostAsJsonAsync("/api/broadcasts", new { segmentId = "nothing", text = "x" })).Problem(HttpStatusCode.NotFound);
        await (await hq.GetAsync("/api/broadcasts/b1")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/broadcasts/nothing")).Problem(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync("/b/not-a-link")).Problem(HttpStatusCode.BadRequest);
        var orphan = app.Services.GetRequiredService<Core.Audience.BroadcastLinks>().Sign("gone", "t|00000|x");
        await (await anonymous.GetAsync($"/b/{orphan}")).Problem(HttpStatusCode.NotFound);

        await (await shopper.GetAsync($"/api/leads/{leadId}/export")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/leads/not-a-lead/export")).Problem(HttpStatusCode.BadRequest);
        await (await hq.GetAsync($"/api/leads/{Unknown}/export")).Problem(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync($"/api/leads/{leadId}/export")).Problem(HttpStatusCode.Unauthorized);
        await (await clerk.GetAsync($"/api/leads/{leadId}/export")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await hq.DeleteAsync($"/api/leads/{Unknown}")).StatusCode);
        await (await hq.DeleteAsync("/api/leads/not-a-lead")).Problem(HttpStatusCode.BadRequest);
        await (await anonymous.DeleteAsync($"/api/leads/{leadId}")).Problem(HttpStatusCode.Unauthorized);
        await (await clerk.DeleteAsync($"/api/leads/{leadId}")).Problem(HttpStatusCode.Forbidden);

        await (await hq.GetAsync($"/api/audit?leadId={leadId}")).Json(HttpStatusCode.OK);
        await (await hq.GetAsync("/api/audit?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z")).Problem(HttpStatusCode.BadRequest);
        await (await clerk.GetAsync("/api/audit")).Problem(HttpStatusCode.Forbidden);
    }
}
