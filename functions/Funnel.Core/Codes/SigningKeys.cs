using System.Text.RegularExpressions;

namespace Funnel.Core.Codes;

/// <summary>
/// The keys Funnel's signed strings (QR codes, share links, shopper sessions) are checked with: the current key, which
/// signs everything new, and earlier keys still accepted, each under a short id. A token names the id of the key that
/// signed it, so the signing key can be replaced without voiding a code printed under the old one: the old key stays
/// here, under its id, for as long as its codes hang in stores. The id <see cref="LegacyId"/> is the key Funnel had
/// before keys had ids; its tokens carry no id (the original format), so every code printed before stays valid.
/// </summary>
public sealed partial class SigningKeys
{
    public const string LegacyId = "0";
    public const int MinKeyBytes = 16;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public SigningKeys(string currentId, byte[] current, IReadOnlyDictionary<string, byte[]>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        Add(currentId, current);
        CurrentId = currentId;
        foreach (var (id, key) in previous ?? new Dictionary<string, byte[]>())
        {
            if (_keys.ContainsKey(id)) throw new ArgumentException($"Key id '{id}' is listed twice.", nameof(previous));
            Add(id, key);
        }
    }

    /// <summary>One key, with the legacy id (tokens in the original format).</summary>
    public static SigningKeys Legacy(byte[] key) => new(LegacyId, key);

    public string CurrentId { get; }

    public byte[] Current => _keys[CurrentId];

    public bool TryGet(string id, out byte[] key) => _keys.TryGetValue(id, out key!);

    /// <summary>1–8 lowercase letters or digits.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    private void Add(string id, byte[] key)
    {
        if (!IsValidId(id)) throw new ArgumentException($"Key id '{id}' is not 1-8 lowercase letters or digits.", nameof(id));
        if (key.Length < MinKeyBytes) throw new ArgumentException($"The signing key '{id}' must be at least {MinKeyBytes} bytes.", nameof(key));
        _keys[id] = key;
    }

    [GeneratedRegex(@"\A[a-z0-9]{1,8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
