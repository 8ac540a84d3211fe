using System.Text;
using Funnel.Core.Codes;

namespace Funnel.Core.Audience;

/// <summary>
/// The tracked link in a broadcast's message: a signed token (<see cref="SignedTokens"/>, domain "broadcast|") naming
/// the broadcast and the target row, so an open is counted on the right lead and nobody can count one for another.
/// </summary>
public sealed class BroadcastLinks(SigningKeys keys)
{
    private readonly SignedTokens _tokens = new(keys, "broadcast|");

    public string Sign(string broadcastId, string targetRow) => _tokens.Seal(Encoding.UTF8.GetBytes(broadcastId + "\n" + targetRow));

    public bool TryOpen(string? token, out string broadcastId, out string targetRow)
    {
        broadcastId = targetRow = "";
        if (token is null || token.Length > 1024 || _tokens.Open(token, out var payload) != TokenCheck.Valid) return false;
        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length != 2) return false;
        (broadcastId, targetRow) = (parts[0], parts[1]);
        return true;
    }
}
