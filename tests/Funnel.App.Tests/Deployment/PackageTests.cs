using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Funnel.Testing;

namespace Funnel.App.Tests.Deployment;

/// <summary>./deploy.sh package builds the zip the Function App runs, in the layout the Functions host expects.</summary>
// In the Azurite collection only to run one at a time with the integration tests: the Bicep CLI and dotnet publish
// are CPU-heavy, and on a 2-core machine they would starve Azurite under the timing-sensitive tests.
[Collection(Infrastructure.AzuriteCollection.Name)]
public sealed class PackageTests
{
    [Fact]
    public async Task DeployPackage_HasHostJsonAtTheRoot_AFolderPerFunction_AndAnExecutableEntryPoint()
    {
        var root = RepoRoot.Find();
        var info = new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(root, "deploy.sh"), "package" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"./deploy.sh package failed:\n{await output}\n{await errors}");

        using var zip = ZipFile.OpenRead(Path.Combine(root, "funnel.zip"));
        var entries = zip.Entries.ToDictionary(e => e.FullName, StringComparer.Ordinal);

        Assert.Contains("host.json", entries.Keys);
        var functions = Directory.EnumerateDirectories(Path.Combine(root, "functions", "host"))
            .Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).ToList();
        Assert.Contains("PurchasesQueue", functions);
        Assert.All(functions, f => Assert.Contains($"{f}/function.json", entries.Keys));
        // Only function folders hold a function.json, and none is nested deeper.
        Assert.All(entries.Keys.Where(k => k.EndsWith("/function.json", StringComparison.Ordinal)), k => Assert.Equal(2, k.Split('/').Length));

        // host.json starts "dotnet <dll>"; that dll is in the package, and so is the executable apphost.
        using var host = JsonDocument.Parse(entries["host.json"].Open());
        var dll = host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("arguments")[0].GetString()!;
        Assert.Contains(dll, entries.Keys);
        var apphost = entries["Funnel.App"];
        var mode = (UnixFileMode)((apphost.ExternalAttributes >> 16) & 0x1FF);
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute), $"Funnel.App is packaged without its executable bit ({mode}).");
        Assert.DoesNotContain("local.settings.json", entries.Keys);
    }
}
