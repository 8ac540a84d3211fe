using Funnel.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

/// <summary>Collects field errors so one response lists everything wrong with a request.</summary>
internal sealed class Validation
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message) => _errors[field] = [message];

    public string? RequireText(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, $"'{field}' is required.");
        else if (value.Length > maxLength) Add(field, $"'{field}' must be at most {maxLength} characters.");
        return value?.Trim();
    }

    public void Id(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
        }
        else if (!Ids.IsValid(value))
        {
            Add(field, Ids.Describe(field));
        }
    }

    public void Range(string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max)) Add(field, $"'{field}' must be between {min} and {max}.");
    }

    public ValidationProblem Problem() => TypedResults.ValidationProblem(_errors,
        detail: string.Join(" ", _errors.Values.SelectMany(v => v)),
        title: "The request is not valid",
        type: "https://funnel.example/problems/validation");
}
