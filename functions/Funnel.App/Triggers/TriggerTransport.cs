using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Funnel.App.Triggers;

/// <summary>How the local runner reaches the app's trigger endpoints: over loopback HTTP, like the Functions host.</summary>
internal interface ITriggerTransport
{
    HttpClient Client { get; }
}

/// <summary>Calls the app's own listening address (taken from the server once it has started).</summary>
internal sealed class LoopbackTriggerTransport(IServer server, TriggerKey key) : ITriggerTransport, IDisposable
{
    private readonly Lazy<HttpClient> _client = new(() =>
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The local trigger runner needs the app to listen on an http:// address.");
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = "127.0.0.1";
        var client = new HttpClient { BaseAddress = uri.Uri, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add(TriggerKey.Header, key.Value);
        return client;
    });

    public HttpClient Client => _client.Value;

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
