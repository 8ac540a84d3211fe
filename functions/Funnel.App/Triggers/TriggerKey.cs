using System.Security.Cryptography;
using System.Text;

namespace Funnel.App.Triggers;

/// <summary>
/// A secret made when the app starts and known only to its own local trigger runner, which sends it with every
/// invocation (<see cref="Header"/>). Standalone, the trigger routes require it, so nothing but the runner invokes
/// them, even from this machine. Under the Functions host (which knows no such key) they rely on being reachable only
/// on the loopback port the host calls, which no HTTP function forwards to.
/// </summary>
internal sealed class TriggerKey
{
    public const string Header = "X-Funnel-Trigger-Key";

    public string Value { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Value));
}
