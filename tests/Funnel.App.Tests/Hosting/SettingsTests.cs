using Funnel.App.Extensions;
using Funnel.App.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Funnel.App.Tests.Hosting;

/// <summary>Where settings come from, in the order the README gives, and keys the world knows refused.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SettingsTests(AzuriteFixture azurite)
{
    /// <summary>appsettings.json, then local.settings.json, then environment variables: each later one wins.</summary>
    [Fact]
    public void LocalSettings_BeatAppsettings_AndLoseToTheEnvironment()
    {
        var dir = Directory.CreateTempSubdirectory("funnel-settings-").FullName;
        const string EnvKey = "FunnelSettingsTest__FromEnvironment";
        try
        {
            File.WriteAllText(Path.Combine(dir, "appsettings.json"),
                """{ "FunnelSettingsTest": { "FromLocal": "appsettings", "FromEnvironment": "appsettings", "OnlyAppsettings": "appsettings" } }""");
            File.WriteAllText(Path.Combine(dir, "local.settings.json"),
                """{ "Values": { "FunnelSettingsTest__FromLocal": "local", "FunnelSettingsTest__FromEnvironment": "local" } }""");
            Environment.SetEnvironmentVariable(EnvKey, "environment");
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dir, EnvironmentName = "Production" });
            LocalSettings.AddTo(builder.Configuration, dir);

            var section = builder.Configuration.GetSection("FunnelSettingsTest");
            Assert.Equal(("local", "environment", "appsettings"), (section["FromLocal"], section["FromEnvironment"], section["OnlyAppsettings"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvKey, null);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The sample settings' placeholders are 32+ characters, so a length check alone let a copied sample start with them.</summary>
    [Theory]
    [InlineData("Funnel:LeadHashKey")]
    [InlineData("Funnel:CodeSigningKey")]
    [InlineData("Auth:SigningKey")]
    public async Task The_samples_placeholder_keys_are_refused_at_start(string key)
    {
        var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Funnel.Testing.RepoRoot.Find(), "local.settings.sample.json")));
        var placeholder = sample.RootElement.GetProperty("Values").GetProperty(key.Replace(":", "__", StringComparison.Ordinal)).GetString()!;
        Assert.True(placeholder.Length >= 32, "the sample's placeholder should be long enough to pass a length check");
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { [key] = placeholder });

        var refused = Record.Exception(() => app.CreateClient());
        Assert.NotNull(refused);
        Assert.Contains("placeholder", refused.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Outside Development, URLs for shoppers never come from the Host header a client picks.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("funnel.contoso.com")]
    [InlineData("ftp://funnel.contoso.com")]
    public async Task Production_refuses_to_start_without_an_absolute_public_base_url(string baseUrl)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Funnel:PublicBaseUrl"] = baseUrl })
        {
            EnvironmentName = "Production",
        };
        var refused = Record.Exception(() => app.CreateClient());
        Assert.NotNull(refused);
        Assert.Contains("Funnel:PublicBaseUrl", refused.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Where the base comes from the request (Development), the QR image that holds it is not cached by anyone.</summary>
    [Fact]
    public async Task A_qr_built_from_the_request_is_not_cached()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Funnel:PublicBaseUrl"] = "" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        var qr = await app.Anonymous().GetAsync($"/api/codes/{code}/qr.png");
        Assert.True(qr.Headers.CacheControl?.NoStore);
    }

    /// <summary>The code-signing key is replaced: codes printed under the old one still scan, new ones carry the new id, a retired key's codes are refused.</summary>
    [Fact]
    public async Task Rotating_the_code_signing_key_keeps_printed_codes_valid()
    {
        var prefix = "rot" + Guid.NewGuid().ToString("N")[..8];
        const string NewKey = "the-replacement-code-signing-key-0123456789";
        string printed;
        await using (var before = new FunnelAppFactory(azurite.Server.ConnectionString, prefix))
        {
            await before.Hq().CreateStore("s1");
            printed = await before.Hq().CreateCode("s1");
        }
        await using var rotated = new FunnelAppFactory(azurite.Server.ConnectionString, prefix, new Dictionary<string, string?>
        {
            ["Funnel:CodeSigningKey"] = NewKey,
            ["Funnel:CodeSigningKeyId"] = "1",
            ["Funnel:PreviousCodeSigningKeys:0"] = FunnelAppFactory.CodeSigningKey,
        });
        await using var retired = new FunnelAppFactory(azurite.Server.ConnectionString, prefix, new Dictionary<string, string?>
        {
            ["Funnel:CodeSigningKey"] = NewKey,
            ["Funnel:CodeSigningKeyId"] = "1",
        });

        await (await rotated.Anonymous().Scan(printed, "+8613800000001")).Json(System.Net.HttpStatusCode.OK);
        var fresh = await rotated.Hq().CreateCode("s1");
        Assert.StartsWith("1.", fresh, StringComparison.Ordinal);
        await (await retired.Anonymous().Scan(fresh, "+8613800000002")).Json(System.Net.HttpStatusCode.OK);
        var refused = await (await retired.Anonymous().Scan(printed, "+8613800000003")).Problem(System.Net.HttpStatusCode.BadRequest);
        Assert.Contains("no longer accepts", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Funnel:CodeSigningKeyId", "K1", "lowercase")]
    [InlineData("Funnel:PreviousCodeSigningKeys:9", "short", "at least")]
    [InlineData("Funnel:PreviousCodeSigningKeys:0", "a-previous-code-signing-key-0123456789abc", "again")]
    [InlineData("Funnel:PreviousCodeSigningKeys:Old", "a-previous-code-signing-key-0123456789abc", "lowercase")]
    public async Task A_key_ring_that_cannot_work_is_refused_at_start(string key, string value, string expected)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { [key] = value });

        var refused = Record.Exception(() => app.CreateClient());
        Assert.NotNull(refused);
        Assert.Contains(expected, refused.ToString(), StringComparison.Ordinal);
    }
}
