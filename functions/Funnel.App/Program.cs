using Funnel.App.Auth;
using Funnel.App.Extensions;

if (args is ["demo", ..])
{
    return await Funnel.App.Demo.DemoCommand.RunAsync(args[1..]);
}
if (args is ["token", ..])
{
    return DevTokenCommand.Run(args[1..]);
}
if (args is ["package", ..])
{
    return PackageCommand.Run(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddFunnel();

var app = builder.Build();
app.UseFunnel();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
