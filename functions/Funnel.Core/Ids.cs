using System.Text.RegularExpressions;

namespace Funnel.Core;

/// <summary>
/// Identifiers chosen by callers (store, clerk, campaign ids, channel tags). They end up inside
/// table keys and signed codes, so the alphabet excludes the key separator '|' and everything
/// Azure Tables forbids in keys ('/', '\', '#', '?', control characters).
/// </summary>
public static partial class Ids
{
    public const int MaxLength = 64;

    // \z, not $: "$" also matches before a final newline, and "p\n" would pass to a table key storage refuses.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>A sentence a person can act on, for use in a validation problem.</summary>
    public static string Describe(string field) =>
        $"'{field}' must be 1-{MaxLength} characters: letters, digits, '-', '_' or '.', starting with a letter or digit.";
}
