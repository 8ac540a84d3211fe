namespace Funnel.Dev;

/// <summary>
/// funnel-dev: "demo …", "token …", "package …", "wecom-stand-in …". Each command says its usage when called wrong. The app itself
/// (functions/Funnel.App) knows none of them.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        ["demo", .. var rest] => await Demo.DemoCommand.RunAsync(rest),
        ["token", .. var rest] => Tokens.TokenCommand.Run(rest),
        ["package", .. var rest] => Packaging.PackageCommand.Run(rest),
        ["wecom-stand-in", .. var rest] => await WeCom.StandInCommand.RunAsync(rest),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: dotnet run --project tools/Funnel.Dev -- <command>
              demo [--url URL] [--stores N] …            simulate a chain's month against a running app (./run.sh demo)
              token --role ROLE [--store ID] [--clerk ID] print a dev token (./run.sh token)
              package --from DIR --output FILE.zip       zip a published app for the Function App (./deploy.sh package)
              wecom-stand-in [--port N]                  a local WeCom for the demo (./run.sh demo --wecom)
            """);
        return 2;
    }
}
