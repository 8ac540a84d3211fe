namespace Funnel.App.Tests.Contract;

/// <summary>The mismatches among many exchanges, each kind once with how often it came and its first example.</summary>
public sealed record ContractReport(bool Conforms, string Text, IReadOnlyList<string> Failures)
{
    public static ContractReport Of(ContractDocument document, IReadOnlyCollection<Exchange> exchanges)
    {
        var failures = exchanges.SelectMany(document.Check).ToList();
        var kinds = failures.GroupBy(f => f.Split('\n')[0], StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First() : $"{g.First()}\n    (and {g.Count() - 1} more like it)")
            .ToList();
        var checkedCount = exchanges.Count(ContractDocument.Applies);
        var text = kinds.Count == 0
            ? $"All {checkedCount} API responses (of {exchanges.Count} recorded) are what /openapi/v1.json says."
            : $"{kinds.Count} kinds of response are not what /openapi/v1.json says ({failures.Count} of {checkedCount} API responses):\n\n{string.Join("\n\n", kinds)}";
        return new(kinds.Count == 0, text, kinds);
    }
}
