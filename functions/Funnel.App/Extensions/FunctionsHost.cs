namespace Funnel.App.Extensions;

/// <summary>
/// Whether the Azure Functions host runs this app as its custom handler: it then sets FUNCTIONS_CUSTOMHANDLER_PORT, the
/// port to listen on. Read once; the process's environment does not change under it.
/// </summary>
internal static class FunctionsHost
{
    /// <summary>The port the host forwards to; null when the app runs standalone.</summary>
    public static string? Port { get; } = Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT") is { Length: > 0 } port ? port : null;

    public static bool IsPresent => Port is not null;
}
