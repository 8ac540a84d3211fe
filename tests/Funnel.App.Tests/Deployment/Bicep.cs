using System.Diagnostics;
using System.Reflection;

namespace Funnel.App.Tests.Deployment;

/// <summary>The Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64 (see the test project).</summary>
internal static class Bicep
{
    public static string Path
    {
        get
        {
            var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
            Assert.True(File.Exists(path), $"The Bicep CLI is not at {path}: restore the test project (dotnet restore) to fetch the package.");
            // NuGet may extract it without the executable bit.
            if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            }
            return path;
        }
    }

    /// <summary>Runs the CLI; returns its exit code, standard output and standard error (where diagnostics go).</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["BICEP_TRACING_ENABLED"] = "false";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
