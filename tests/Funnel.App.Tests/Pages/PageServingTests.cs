using System.Net;
using System.Net.Http.Json;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Pages;

/// <summary>What the server puts into the pages, without a browser: codes checked first, values encoded, headers.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PageServingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_landing_page_checks_the_code_and_encodes_the_stores_name()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var hq = app.Hq();
        await (await hq.PutAsJsonAsync("/api/stores/s1", new { name = "<b>Tom & \"Jerry\"</b> {{code}}", region = "east" })).Json(HttpStatusCode.OK);
        var code = await hq.CreateCode("s1");
        var anonymous = app.Anonymous();

        var page = await anonymous.GetAsync($"/s/{code}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<h1>&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; {{code}}</h1>", html, StringComparison.Ordinal); // text, not markup, not a placeholder
        Assert.Contains($"data-code=\"{code}\"", html, StringComparison.Ordinal);

        var forged = await anonymous.GetAsync($"/s/{code[..^2]}xx");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("This code doesn&#39;t work", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var unknown = await anonymous.GetAsync($"/s/{SignedCodeFor("closed-store")}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("isn&#39;t taking sign-ups", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A correctly signed code for a store that does not exist (as a closed store's printed code would be).</summary>
    private static string SignedCodeFor(string storeId) =>
        new Core.Codes.CodeSigner(System.Text.Encoding.UTF8.GetBytes(FunnelAppFactory.CodeSigningKey)).Sign(new Core.Codes.EntryCode(storeId, null, null, "till"));

    [Theory]
    [InlineData("/clerk", "Your Clerk token", "/static/clerk.js")]
    [InlineData("/hq", "Your HQ token", "/static/hq.js")]
    public async Task Staff_pages_share_the_sign_in_shell(string path, string label, string script)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var html = await app.Anonymous().GetStringAsync(path);
        Assert.Contains(label, html, StringComparison.Ordinal);
        Assert.Contains($"<script type=\"module\" src=\"{script}\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"app\" hidden", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
    }
}
