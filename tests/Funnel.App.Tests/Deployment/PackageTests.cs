using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;

namespace Funnel.App.Tests.Deployment;

/// <summary>
/// ./deploy.sh package builds the zip the Function App runs, in the shape the README documents for Flex Consumption
/// with runtime "custom": host.json at the root naming an executable that is in the package with its run bit, the
/// app self-contained (its own .NET runtime), and started as the host starts it, it answers within Flex's limit.
/// </summary>
// In the Azurite collection only to run one at a time with the integration tests: the Bicep CLI and dotnet publish
// are CPU-heavy, and on a 2-core machine they would starve Azurite under the timing-sensitive tests.
[Collection(AzuriteCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the package is for Linux, and so is its test
public sealed class PackageTests(AzuriteFixture azurite)
{
    /// <summary>Flex Consumption gives an app 30 s to initialize (README, "Deploying").</summary>
    private static readonly TimeSpan FlexStartLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DeployPackage_IsTheDocumentedCustomHandlerShape_AndStartsAsTheHostStartsIt()
    {
        var root = RepoRoot.Find();
        await RunAsync("bash", [Path.Combine(root, "deploy.sh"), "package"], root);

        var unpacked = Directory.CreateTempSubdirectory("funnel-package-").FullName;
        try
        {
            using (var zip = ZipFile.OpenRead(Path.Combine(root, "funnel.zip")))
            {
                var entries = zip.Entries.ToDictionary(e => e.FullName, StringComparer.Ordinal);
                Assert.Contains("host.json", entries.Keys);
                var functions = Directory.EnumerateDirectories(Path.Combine(root, "functions", "host"))
                    .Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).ToList();
                Assert.Contains("PurchasesQueue", functions);
                Assert.All(functions, f => Assert.Contains($"{f}/function.json", entries.Keys));
                // Only function folders hold a function.json, and none is nested deeper.
                Assert.All(entries.Keys.Where(k => k.EndsWith("/function.json", StringComparison.Ordinal)), k => Assert.Equal(2, k.Split('/').Length));
                Assert.DoesNotContain("local.settings.json", entries.Keys);
                Assert.Contains("Pages/site/static/vendor/msal-browser.min.js", entries.Keys);
                zip.ExtractToDirectory(unpacked);
            }

            // host.json names an executable, with no interpreter or arguments: the package's Funnel.App.
            using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(unpacked, "host.json")));
            var description = host.RootElement.GetProperty("customHandler").GetProperty("description");
            Assert.False(description.TryGetProperty("arguments", out _), "host.json passes arguments: the executable should need none.");
            var executable = description.GetProperty("defaultExecutablePath").GetString()!;
            Assert.Equal("Funnel.App", executable);
            var path = Path.Combine(unpacked, description.GetProperty("workingDirectory").GetString()!, executable);
            Assert.True(File.Exists(path), $"host.json starts {executable}, which is not in the package.");
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"{executable} is packaged without its executable bit.");

            // Self-contained: the runtime config lists the frameworks it carries, none it expects installed.
            using var runtime = JsonDocument.Parse(File.ReadAllText(Path.Combine(unpacked, "Funnel.App.runtimeconfig.json")));
            var options = runtime.RootElement.GetProperty("runtimeOptions");
            Assert.True(options.TryGetProperty("includedFrameworks", out _), "The app is not self-contained: it expects a .NET runtime on the image.");
            Assert.False(options.TryGetProperty("framework", out _) || options.TryGetProperty("frameworks", out _));
            Assert.True(File.Exists(Path.Combine(unpacked, "libhostfxr.so")), "The package does not carry the .NET host.");

            await StartsAsTheHostStartsItAsync(path, Path.Combine(unpacked, description.GetProperty("workingDirectory").GetString()!));
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }

    /// <summary>The executable from the package, started the way the Functions host starts a custom handler (<see cref="AppProcess.StartHandlerAsync"/>).</summary>
    private async Task StartsAsTheHostStartsItAsync(string executable, string workingDirectory)
    {
        await using var factory = new FunnelAppFactory(azurite.Server.ConnectionString);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        AppProcess? app = null;
        var failure = await Record.ExceptionAsync(async () => app = await AppProcess.StartHandlerAsync(executable, workingDirectory, factory.ProcessSettings(), FlexStartLimit, log.Enqueue));
        if (app is not null) await app.DisposeAsync();
        Assert.True(failure is null, $"The packaged app did not answer /healthz on FUNCTIONS_CUSTOMHANDLER_PORT within {FlexStartLimit.TotalSeconds} s: " +
            $"{failure?.Message}\n{string.Join('\n', log.TakeLast(30))}");
    }

    private static async Task RunAsync(string file, string[] arguments, string directory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', arguments)} failed:\n{await output}\n{await errors}");
    }
}
