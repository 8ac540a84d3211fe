using Funnel.App.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("Funnel.App.Tests.Contract.ContractCollectionLast", "Funnel.App.Tests")]

namespace Funnel.App.Tests.Contract;

/// <summary>
/// Every response any test's app sent in this run, checked against /openapi/v1.json: this collection runs after all
/// the others (<see cref="ContractCollectionLast"/>; collections run one after another, see xunit.runner.json). The
/// list of mismatches is also written to openapi-contract.txt beside the test assembly.
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class RunContractTests
{
    public static string ReportPath => Path.Combine(AppContext.BaseDirectory, "openapi-contract.txt");

    [Fact]
    public async Task EveryResponseOfEveryTestInThisRun_IsWhatTheDocumentSays()
    {
        var exchanges = ContractRecorder.All;
        var document = await DocumentAsync(exchanges);

        var report = ContractReport.Of(document, exchanges);

        await File.WriteAllTextAsync(ReportPath, report.Text);
        Assert.True(report.Conforms, report.Text);
    }

    /// <summary>The document as a test's app served it in this run, or else from an app started for it (it does not depend on storage).</summary>
    private static async Task<ContractDocument> DocumentAsync(IReadOnlyList<Exchange> exchanges)
    {
        if (exchanges.LastOrDefault(e => e is { Path: ContractRecorder.DocumentPath, Status: 200, Truncated: false }) is { } served) return new ContractDocument(served.Body);
        await using var app = new FunnelAppFactory(FunnelAppFactory.UnreachableStorage);
        return await ContractDocument.LoadAsync(app.Anonymous());
    }
}

[CollectionDefinition(Name)]
public sealed class ContractCollection
{
    public const string Name = "openapi contract of the run (last)";
}

/// <summary>xUnit's own order of the test collections, with <see cref="ContractCollection"/> moved to the end.</summary>
public sealed class ContractCollectionLast : ITestCollectionOrderer
{
    private readonly DefaultTestCollectionOrderer _default = new();

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        _default.OrderTestCollections(testCollections).OrderBy(c => c.CollectionDefinition?.Name == typeof(ContractCollection).FullName ? 1 : 0);
}
