using System.ComponentModel.DataAnnotations;
using Azure.Messaging.ServiceBus;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.Core.Purchases;
using Microsoft.Extensions.Options;

namespace Funnel.App.Purchases;

/// <summary>Settings under "ServiceBus": the purchase consumer the app runs when no Functions host does.</summary>
internal sealed class PurchaseBusOptions
{
    public const string Section = "ServiceBus";

    /// <summary>Run the consumer when a connection is configured and no Functions host runs the app (default: true; false turns it off).</summary>
    public bool? Consumer { get; set; }

    /// <summary>Deliveries handled at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrentCalls { get; set; } = 16;

    /// <summary>
    /// The connection, read as the host's trigger binding reads "ServiceBusConnection": a connection string, or
    /// identity-based ("ServiceBusConnection:fullyQualifiedNamespace", optional ":credential" = managedidentity and
    /// ":clientId"). Null when neither is set.
    /// </summary>
    public static ServiceBusClient? CreateClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[Connection] is { Length: > 0 } connectionString) return new ServiceBusClient(connectionString);
        var section = configuration.GetSection(Connection);
        if (section["fullyQualifiedNamespace"] is not { Length: > 0 } ns) return null;
        return new ServiceBusClient(ns, StorageConnection.CredentialOf(section));
    }

    /// <summary>Whether <see cref="CreateClient"/> would make a client, without making one (or its credential).</summary>
    public static bool HasConnection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[Connection] is { Length: > 0 } || configuration.GetSection(Connection)["fullyQualifiedNamespace"] is { Length: > 0 };
    }

    private const string Connection = "ServiceBusConnection";

    /// <summary>Under the Functions host its serviceBusTrigger (function PurchasesServiceBus) reads the subscription; never both.</summary>
    public bool IsEnabled(bool configured, bool underFunctionsHost) => configured && !underFunctionsHost && (Consumer ?? true);
}

/// <summary>
/// Reads purchases from Service Bus (topic "purchases", subscription "funnel") when the app runs outside the Functions
/// host (a container, a VM, the local runner) and a connection is configured: a <see cref="ServiceBusProcessor"/> whose
/// deliveries are settled by <see cref="PurchaseDelivery"/>, with the same handler and the same semantics as the host's
/// trigger.
/// </summary>
internal sealed class PurchaseBusConsumer(IConfiguration configuration, IOptions<PurchaseBusOptions> options, PurchaseService purchases, ILogger<PurchaseBusConsumer> logger)
    : IHostedService, IAsyncDisposable
{
    private ServiceBusClient? _client;
    private ServiceBusProcessor? _processor;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Under the host (where the connection is set for its trigger) nothing is built: no client, no credential.
        if (!options.Value.IsEnabled(PurchaseBusOptions.HasConnection(configuration), FunctionsHost.IsPresent)) return;
        var client = PurchaseBusOptions.CreateClient(configuration)!;
        _client = client;
        _processor = client.CreateProcessor(PurchaseTopic.Name, PurchaseTopic.Subscription, new ServiceBusProcessorOptions
        {
            AutoCompleteMessages = false, // settled by PurchaseDelivery, only once the purchase is durable
            MaxConcurrentCalls = options.Value.MaxConcurrentCalls,
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
        });
        _processor.ProcessMessageAsync += args => PurchaseDelivery.SettleAsync(args, async (p, delivery, ct) => (await purchases.ProcessAsync(p, delivery, ct)).ToString(), logger);
        _processor.ProcessErrorAsync += args =>
        {
            logger.LogWarning(args.Exception, "Service Bus {Source} on {Entity} failed; the processor retries", args.ErrorSource, args.EntityPath);
            return Task.CompletedTask;
        };
        await _processor.StartProcessingAsync(cancellationToken);
        logger.LogInformation("Reading purchases from Service Bus {Namespace}, {Topic}/{Subscription}", client.FullyQualifiedNamespace, PurchaseTopic.Name, PurchaseTopic.Subscription);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is not null) await _processor.StopProcessingAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_processor is not null) await _processor.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
    }
}
