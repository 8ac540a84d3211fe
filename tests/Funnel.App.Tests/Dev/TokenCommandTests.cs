using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Funnel.App.Tests.Infrastructure;

namespace Funnel.App.Tests.Dev;

/// <summary>The dev tool's token command (./run.sh token), run as a process the way run.sh runs it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TokenCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TokenCommand_PrintsAJwtOnItsLastLineThatTheAppAccepts()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Funnel.Dev.dll"), "token", "--role", "clerk", "--store", "s1", "--clerk", "c1" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["Auth__SigningKey"] = FunnelAppFactory.SigningKey;
        info.Environment["FUNNEL_LOCAL_SETTINGS"] = "/nonexistent";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var token = output.Trim().Split('\n')[^1].Trim();
        Assert.Equal(3, token.Split('.').Length);
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await app.Hq().CreateStore("s1");
        await (await client.GetAsync("/api/stores/s1/groups")).Json(HttpStatusCode.OK);
        await (await client.GetAsync("/api/stores/s2/groups")).Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TokenCommand_WithoutTheStoreForAScopedRole_FailsWithUsage()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Funnel.Dev.dll"), "token", "--role", "store" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["Auth__SigningKey"] = FunnelAppFactory.SigningKey;
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--store", error, StringComparison.Ordinal);
    }
}
