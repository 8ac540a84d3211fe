using System.IO.Compression;

namespace Funnel.Dev.Packaging;

/// <summary>
/// "package --from DIR --output FILE": zips a published app (the output of <c>dotnet publish</c>) in the layout the
/// Functions host expects: host.json at the root, one folder per function with its function.json, the app beside
/// them. Unix file modes are kept, so the executable host.json names stays executable. Local settings never go in.
/// Used by <c>./deploy.sh package</c>.
/// </summary>
internal static class PackageCommand
{
    private static readonly string[] Excluded = ["local.settings.json", "local.settings.sample.json"];

    public static int Run(string[] args)
    {
        if (args is not ["--from", var from, "--output", var output]) return Fail("usage: package --from PUBLISH_DIR --output FILE.zip");
        var root = Path.GetFullPath(from);
        if (!File.Exists(Path.Combine(root, "host.json"))) return Fail($"{root} has no host.json: point --from at the output of dotnet publish.");
        var target = Path.GetFullPath(output);
        if (File.Exists(target)) File.Delete(target);
        using (var zip = ZipFile.Open(target, ZipArchiveMode.Create))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (Excluded.Contains(name) || Path.GetFullPath(file) == target) continue;
                var entry = zip.CreateEntryFromFile(file, name, CompressionLevel.Optimal);
                if (!OperatingSystem.IsWindows()) entry.ExternalAttributes = (int)File.GetUnixFileMode(file) << 16;
            }
        }
        Console.WriteLine($"package: {target}");
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"package: {message}");
        return 2;
    }
}
