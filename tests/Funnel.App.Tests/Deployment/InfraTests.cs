using System.Reflection;
using System.Text.Json;
using Funnel.App.Storage;
using Funnel.Testing;
using Microsoft.Extensions.Configuration;

namespace Funnel.App.Tests.Deployment;

/// <summary>
/// infra/ compiles and lints clean (warnings are failures), and declares everything the code uses: every queue the
/// app or a function.json names (with its -poison twin), every table. Drift between code and infra fails here.
/// </summary>
// In the Azurite collection only to run one at a time with the integration tests: the Bicep CLI and dotnet publish
// are CPU-heavy, and on a 2-core machine they would starve Azurite under the timing-sensitive tests.
[Collection(Infrastructure.AzuriteCollection.Name)]
public sealed class InfraTests
{
    private static readonly string Infra = Path.Combine(RepoRoot.Find(), "infra");

    private static readonly Dictionary<string, string> SecretsForParameters = new()
    {
        ["FUNNEL_LEAD_HASH_KEY"] = new string('l', 40),
        ["FUNNEL_CODE_SIGNING_KEY"] = new string('c', 40),
    };

    public static TheoryData<string> BicepFiles() =>
        [.. Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Infra, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task BicepFile_Compiles_AndLintsWithoutAWarning(string file)
    {
        var path = Path.Combine(Infra, file);

        var build = await Bicep.RunAsync(null, "build", path, "--stdout");
        var lint = await Bicep.RunAsync(null, "lint", path);

        Assert.True(build.ExitCode == 0 && build.Errors.Trim().Length == 0, $"bicep build {file}:\n{build.Errors}");
        Assert.True(lint.ExitCode == 0 && lint.Errors.Trim().Length == 0, $"bicep lint {file} (warnings count as errors):\n{lint.Errors}");
        Assert.Contains("\"$schema\"", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParametersFile_Compiles_WithTheSecretsFromTheEnvironment()
    {
        var result = await Bicep.RunAsync(SecretsForParameters, "build-params", Path.Combine(Infra, "main.bicepparam"), "--stdout");

        Assert.True(result.ExitCode == 0 && result.Errors.Trim().Length == 0, result.Errors);
        Assert.Contains(new string('l', 40), result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryQueueAndTable_TheAppUses_IsDeclaredInBicep()
    {
        var declared = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Infra, "app-resources.json"))).RootElement;
        var queues = declared.GetProperty("queues").EnumerateArray().Select(q => q.GetString()!).ToHashSet();
        var tables = declared.GetProperty("tables").EnumerateArray().Select(t => t.GetString()!).ToHashSet();

        // The app's queues: every "…Name" constant of FunnelQueues (each with a -poison twin, which main.bicep adds).
        var appQueues = typeof(FunnelQueues).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Name", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Contains(FunnelQueues.OutboundMessagesName, appQueues);
        Assert.All(appQueues, q => Assert.Contains(q, queues));

        // The functions' queues.
        foreach (var functionJson in Directory.EnumerateFiles(Path.Combine(RepoRoot.Find(), "functions", "host"), "function.json", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            foreach (var binding in JsonDocument.Parse(await File.ReadAllTextAsync(functionJson)).RootElement.GetProperty("bindings").EnumerateArray())
            {
                if (binding.TryGetProperty("queueName", out var queue)) Assert.Contains(queue.GetString()!, queues);
            }
        }

        // The app's tables (no prefix in Azure).
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        var appTables = new FunnelTables(new StorageConnection(config), new StorageRequestCounter()).All.Select(t => t.Name);
        Assert.All(appTables, t => Assert.Contains(t, tables));

        // main.bicep really creates what the list says (loadJsonContent inlines it), with a -poison twin per queue.
        var build = await Bicep.RunAsync(null, "build", Path.Combine(Infra, "main.bicep"), "--stdout");
        Assert.All(queues.Concat(tables), name => Assert.Contains($"\"{name}\"", build.Output, StringComparison.Ordinal));
        Assert.Contains("-poison", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionApp_UsesIdentityBasedConnections_AndNoKeys()
    {
        var app = await File.ReadAllTextAsync(Path.Combine(Infra, "modules", "functionapp.bicep"));
        var storage = await File.ReadAllTextAsync(Path.Combine(Infra, "modules", "storage.bicep"));

        foreach (var setting in new[] { "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "ServiceBusConnection__fullyQualifiedNamespace", "APPLICATIONINSIGHTS_CONNECTION_STRING" })
        {
            Assert.Contains($"name: '{setting}'", app, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("AccountKey", app, StringComparison.Ordinal);
        Assert.DoesNotContain("listKeys", app + storage, StringComparison.Ordinal);
        Assert.Contains("allowSharedKeyAccess: false", storage, StringComparison.Ordinal);
        Assert.Contains("minimumTlsVersion: 'TLS1_2'", storage, StringComparison.Ordinal);
        Assert.Contains("name: 'FC1'", app, StringComparison.Ordinal);
    }
}
