namespace Funnel.PosTool;

internal static class Program
{
    public static Task<int> Main(string[] args) => PublishCommand.RunAsync(args, Console.In, Console.Out, Console.Error, CancellationToken.None);
}
