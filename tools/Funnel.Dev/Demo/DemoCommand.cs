using Funnel.App.Auth;
using Funnel.Dev.Tokens;

namespace Funnel.Dev.Demo;

/// <summary>
/// "demo [--url URL] [--stores N] …": seeds a chain and simulates a month of traffic against a running app (started
/// with Journeys__TimeScale, see ./run.sh demo). Tokens are minted here with the dev signing key from
/// local.settings.json or Auth__SigningKey, as the token command does. Exit code 0 when every request succeeded and
/// the app's numbers equal what was sent; 1 otherwise; 2 for bad arguments or no key.
/// </summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = DemoOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"demo: {error}\n{DemoOptions.Usage}");
            return 2;
        }
        var auth = TokenCommand.LoadAuthOptions();
        if (auth.SigningKey.Length < AuthOptions.MinSigningKeyLength)
        {
            await Console.Error.WriteLineAsync("demo: no dev signing key: run ./run.sh once (it creates local.settings.json) or set Auth__SigningKey.");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // stop the simulation cleanly; a second Ctrl-C is not intercepted
            cancel.Cancel();
        };
        using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        DemoWeCom? weCom = null;
        if (options.WeCom is { } standIn)
        {
            var key = TokenCommand.LoadSetting("Funnel:LeadHashKey");
            if (string.IsNullOrEmpty(key))
            {
                await Console.Error.WriteLineAsync("demo: --wecom needs the app's Funnel:LeadHashKey (local.settings.json or Funnel__LeadHashKey) to know its customers' lead ids.");
                return 2;
            }
            weCom = new DemoWeCom(standIn, key);
        }
        var runner = new DemoRunner(http, new DemoTokens(auth, TimeProvider.System), options, Console.Out, weCom: weCom);
        try
        {
            var report = await runner.RunAsync(cancel.Token);
            return report is { CountsMatch: true, WeComOk: true, PointsOk: true, BroadcastOk: true, Errors: 0 } ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Out.WriteLineAsync("demo: stopped.");
            return 130;
        }
    }
}
