using System.Text.Json;

namespace Funnel.App.Extensions;

/// <summary>
/// Reads the "Values" of a Functions-style local.settings.json, so the app run standalone sees the
/// same settings the Functions host would pass it as environment variables ("A__B" means "A:B").
/// </summary>
internal static class LocalSettings
{
    public const string PathVariable = "FUNNEL_LOCAL_SETTINGS";

    public static IEnumerable<KeyValuePair<string, string?>> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!doc.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var p in values.EnumerateObject())
        {
            yield return new(p.Name.Replace("__", ":", StringComparison.Ordinal), p.Value.ToString());
        }
    }

    /// <summary>
    /// Adds local.settings.json above appsettings*.json and below environment variables and the command line, which
    /// still win. "Environment variables" is the app's own source (no prefix): the host's DOTNET_/ASPNETCORE_ sources
    /// come first in the list, and inserting before those would put local settings under appsettings.json.
    /// </summary>
    public static void AddTo(ConfigurationManager configuration, string contentRoot)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrEmpty(path)) path = Path.Combine(contentRoot, "local.settings.json");
        if (!File.Exists(path)) return;

        var sources = (IList<IConfigurationSource>)configuration.Sources;
        var settings = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Read(path).ToList() };
        var list = sources.ToList();
        var envIndex = list.FindLastIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        if (envIndex < 0) envIndex = list.FindIndex(s => s is Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource);
        sources.Insert(envIndex < 0 ? sources.Count : envIndex, settings);
    }
}
