using Funnel.App.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddFunnel();

var app = builder.Build();
app.UseFunnel();
await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
