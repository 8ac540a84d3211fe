using System.Net.Http.Headers;
using Azure.Data.Tables;
using Funnel.App.Auth;
using Funnel.Dev.Tokens;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Funnel.App.Tests.Infrastructure;

/// <summary>
/// The real app, in memory, on real Azurite, with tables of its own (a fresh prefix per factory, unless two
/// factories are meant to share them as two instances of the app would).
/// </summary>
public sealed class FunnelAppFactory : WebApplicationFactory<Program>
{
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnop";
    public const string LeadHashKey = "test-lead-hash-key-0123456789-abcdefghijklm";
    public const string CodeSigningKey = "test-code-signing-key-0123456789-abcdefghij";

    /// <summary>Storage that never answers (port 9 on loopback): for the paths that must report an outage, not crash.</summary>
    public const string UnreachableStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    private readonly Dictionary<string, string?> _settings;

    private readonly bool _fakeClock;

    /// <param name="fakeClock">false: the app keeps its own clock (real, or scaled by Journeys:TimeScale) instead of <see cref="Time"/>.</param>
    public FunnelAppFactory(string connectionString, string? tablePrefix = null, IDictionary<string, string?>? settings = null, bool fakeClock = true)
    {
        _fakeClock = fakeClock;
        TablePrefix = tablePrefix ?? "t" + Guid.NewGuid().ToString("N")[..10];
        ConnectionString = connectionString;
        _settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage:TablePrefix"] = TablePrefix,
            ["Storage:QueuePrefix"] = TablePrefix + "-",
            ["Triggers:LocalRunner"] = "false",
            ["Auth:SigningKey"] = SigningKey,
            ["Funnel:LeadHashKey"] = LeadHashKey,
            ["Funnel:CodeSigningKey"] = CodeSigningKey,
            ["Funnel:PublicBaseUrl"] = "https://funnel.test",
            ["RateLimiting:PublicPermitsPerWindow"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            // One control queue and quick polling: a test's journeys move within a second, and an idle app polls little.
            ["Journeys:PartitionCount"] = "1",
            ["Journeys:MaxQueuePollingIntervalSeconds"] = "0.5",
            // TestServer has no request-body-size feature; Kestrel (the real server) enforces the limits.
            ["Logging:LogLevel:Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware"] = "Error",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
    }

    public string TablePrefix { get; }

    /// <summary>The app's environment; "Testing" unless a test needs production's rules.</summary>
    public string EnvironmentName { get; init; } = "Testing";

    /// <summary>More service registrations after the app's (e.g. <see cref="EntraLikeTokens.Trust"/>).</summary>
    public Action<IServiceCollection>? MoreServices { get; init; }
    public string ConnectionString { get; }

    /// <summary>The app's clock; tests move it.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureServices(services =>
        {
            if (_fakeClock)
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
                // The journeys' orchestrations read real time through a clock: it starts where the fake clock does. Moving
                // the fake clock does not move the engine's timers (tests that need timers run a scaled clock instead).
                var scale = double.Parse(_settings.GetValueOrDefault("Journeys:TimeScale") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
                services.Replace(ServiceDescriptor.Singleton(new Core.Journeys.JourneyClock(Time.GetUtcNow(), DateTimeOffset.UtcNow, scale)));
            }
            // The local runner calls the trigger endpoints through the in-memory test server, not a socket.
            services.Replace(ServiceDescriptor.Singleton<Funnel.App.Triggers.ITriggerTransport>(new TestServerTransport(this)));
            // Every response is recorded, to be checked against the API document (Contract/ContractFixture).
            Contract.ContractRecorder.AddContractRecording(services);
            MoreServices?.Invoke(services);
        });
    }

    /// <summary>
    /// The app answers 503 until its tables exist; on a busy machine creating them can outlast the start-up's own
    /// 10 s, so a test on reachable storage waits for them (up to a minute) before its first request.
    /// </summary>
    protected override Microsoft.Extensions.Hosting.IHost CreateHost(Microsoft.Extensions.Hosting.IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        if (ConnectionString != UnreachableStorage)
            host.Services.GetRequiredService<Funnel.App.Storage.StorageInitializer>().Ready.WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        return host;
    }

    /// <summary>
    /// Settings (as environment variables) for the app as a separate process on this factory's tables and queues, with
    /// the test keys; <paramref name="extra"/> adds to them. What the killed process had taken from the engine's queues
    /// comes back after 15 s instead of 5 minutes.
    /// </summary>
    public Dictionary<string, string> ProcessSettings(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = ConnectionString,
            ["Storage__TablePrefix"] = TablePrefix,
            ["Storage__QueuePrefix"] = TablePrefix + "-",
            ["Auth__SigningKey"] = SigningKey,
            ["Funnel__LeadHashKey"] = LeadHashKey,
            ["Funnel__CodeSigningKey"] = CodeSigningKey,
            ["Funnel__PublicBaseUrl"] = "https://funnel.test",
            ["Journeys__MessageVisibilitySeconds"] = "15",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        return settings;
    }

    public HttpClient Anonymous() => CreateClient();

    /// <summary>A client that speaks for one shopper: it sends the session a scan answered (X-Shopper-Session).</summary>
    public HttpClient Shopper(string session)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(ShopperAccess.Header, session);
        return client;
    }

    /// <summary>Scans as the shopper's page does (anonymous, 200 expected) and returns the lead and a client with its session.</summary>
    public async Task<(string LeadId, HttpClient Shopper)> ShopperScan(string code, string shopperId, string? scanId = null)
    {
        var scan = await (await Anonymous().Scan(code, shopperId, scanId)).Json(System.Net.HttpStatusCode.OK);
        return (scan.GetProperty("leadId").GetString()!, Shopper(scan.GetProperty("session").GetString()!));
    }

    public HttpClient As(string role, string? storeId = null, string? clerkId = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, storeId, clerkId));
        return client;
    }

    /// <summary>A dev token for this app. Lifetimes are checked against the real clock, not the app's fake one.</summary>
    public static string Token(string role, string? storeId = null, string? clerkId = null) =>
        DevTokens.Create(new AuthOptions { SigningKey = SigningKey }, role, storeId, clerkId, TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(1));

    /// <summary>
    /// Serves the app on a real loopback port (Kestrel, not the in-memory server) and returns its base URL, for a
    /// browser. Clients from <see cref="As"/> then talk to that port too.
    /// </summary>
    public string StartOnPort()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    public HttpClient Hq() => As(Roles.Hq);

    /// <summary>A client that invokes the trigger routes as the app's own runner does (with its key).</summary>
    public HttpClient TriggerClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(Funnel.App.Triggers.TriggerKey.Header, Services.GetRequiredService<Funnel.App.Triggers.TriggerKey>().Value);
        return client;
    }

    /// <summary>A table of this app, for asserting what storage really holds.</summary>
    public TableClient Table(string name) => new(ConnectionString, TablePrefix + name);

    /// <summary>A queue of this app (base64, as the app and the Functions host use them).</summary>
    public Azure.Storage.Queues.QueueClient Queue(string name) =>
        new(ConnectionString, TablePrefix + "-" + name, new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });

    private sealed class TestServerTransport(FunnelAppFactory factory) : Funnel.App.Triggers.ITriggerTransport
    {
        private HttpClient? _client;

        // CreateClient reaches the app however it is served: the in-memory server, or Kestrel after StartOnPort.
        public HttpClient Client => _client ??= factory.TriggerClient();
    }
}
