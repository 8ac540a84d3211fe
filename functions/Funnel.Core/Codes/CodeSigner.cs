using System.Text;

namespace Funnel.Core.Codes;

/// <summary>
/// Turns an <see cref="EntryCode"/> into an opaque, URL-safe, HMAC-signed string and back.
/// Format: <see cref="SignedTokens"/> with domain "v1." (a key id first when the code was signed with a key other than the legacy one).
/// The payload is "storeId|clerkId|campaignId|channel" (ids never contain '|', see <see cref="Ids"/>).
/// The same code inputs always give the same string, so issuing a code twice is harmless.
/// </summary>
public sealed class CodeSigner
{
    private const string Version = "v1.";
    private const int MaxCodeLength = 512;
    private readonly SignedTokens _tokens;

    public CodeSigner(byte[] key) : this(SigningKeys.Legacy(key))
    {
    }

    public CodeSigner(SigningKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _tokens = new SignedTokens(keys, Version);
    }

    public string Sign(EntryCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return _tokens.Seal(Encoding.UTF8.GetBytes($"{code.StoreId}|{code.ClerkId}|{code.CampaignId}|{code.Channel}"));
    }

    /// <summary>Verifies the signature and decodes the code; on failure, <paramref name="error"/> says why.</summary>
    public bool TryVerify(string? text, out EntryCode? code, out string error)
    {
        code = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxCodeLength)
        {
            error = "The code is empty or too long to be a Funnel code.";
            return false;
        }
        switch (_tokens.Open(text, out var payload))
        {
            case TokenCheck.Malformed:
                error = "The code is not in the Funnel code format; scan the QR code again.";
                return false;
            case TokenCheck.Forged:
                error = "The code's signature does not match: it was altered or not issued by this Funnel.";
                return false;
            case TokenCheck.UnknownKey:
                error = "The code was signed with a key this Funnel no longer accepts (retired); ask the store for a current code.";
                return false;
        }
        var parts = Encoding.UTF8.GetString(payload).Split('|');
        if (parts.Length != 4 || !Ids.IsValid(parts[0]) || !Ids.IsValid(parts[3]))
        {
            error = "The code is signed but its content is not understood by this version of Funnel.";
            return false;
        }
        code = new EntryCode(parts[0], NullIfEmpty(parts[1]), NullIfEmpty(parts[2]), parts[3]);
        error = "";
        return true;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
