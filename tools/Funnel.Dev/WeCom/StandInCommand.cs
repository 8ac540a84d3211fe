using System.Globalization;
using Funnel.Testing;

namespace Funnel.Dev.WeCom;

/// <summary>
/// "wecom-stand-in [--port N]": the tests' local WeCom (tests/Funnel.Testing/WeComStandIn.cs) as a process of its
/// own, for an app started with WeCom__BaseUrl pointing at it (./run.sh demo --wecom). It prints the corp settings the
/// app needs and runs until stopped (Ctrl-C or SIGTERM, which its host handles).
/// </summary>
internal static class StandInCommand
{
    public const int DefaultPort = 7072;

    public static async Task<int> RunAsync(string[] args)
    {
        var port = DefaultPort;
        if (args is ["--port", var text] && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536) port = p;
        else if (args.Length > 0)
        {
            await Console.Error.WriteLineAsync($"usage: wecom-stand-in [--port N]   (default {DefaultPort})");
            return 2;
        }
        await using var standIn = await WeComStandIn.StartAsync(port);
        Console.WriteLine($"WeCom stand-in on {standIn.BaseUrl}: WeCom__CorpId={WeComStandIn.CorpId} WeCom__BaseUrl={standIn.BaseUrl} (secret, token and key: WeComStandIn's constants)");
        try
        {
            // The host handles SIGTERM and Ctrl-C (run.sh stops it with TERM) and says so through Stopping.
            await Task.Delay(Timeout.Infinite, standIn.Stopping);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        return 0;
    }
}
