using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Funnel.App.Storage;
using Microsoft.Extensions.Options;

namespace Funnel.App.Journeys;

/// <summary>
/// The Durable Task Framework in the app: a <see cref="TaskHubWorker"/> that runs the journeys' orchestrations and
/// activities, and a <see cref="TaskHubClient"/> that starts them and raises their events, over
/// <see cref="AzureStorageOrchestrationService"/> on the app's own storage account (history and instances tables,
/// control and work-item queues, partition leases), the layout Durable Functions uses. Several app instances share the
/// work through the partition leases. The worker starts in the background, so the app serves while storage is still
/// coming up; journeys wait in their queues until it runs.
/// </summary>
internal sealed partial class JourneyEngine : IHostedService, IDisposable
{
    private readonly TaskHubWorker _worker;
    private readonly ILogger<JourneyEngine> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _runWorker;
    private Task _starting = Task.CompletedTask;

    public JourneyEngine(StorageConnection connection, IOptions<JourneyOptions> options, IServiceProvider services, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        TaskHubName = HubName(connection.TablePrefix, settings.TaskHubName);
        Service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = TaskHubName,
            StorageAccountClientProvider = ClientProvider(connection, StorageRequests),
            PartitionCount = settings.PartitionCount,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(settings.MaxQueuePollingIntervalSeconds),
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(settings.MessageVisibilitySeconds),
            WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(settings.MessageVisibilitySeconds),
            MaxConcurrentTaskOrchestrationWorkItems = settings.MaxConcurrentOrchestrations,
            MaxConcurrentTaskActivityWorkItems = settings.MaxConcurrentActivities,
            ExtendedSessionsEnabled = settings.ExtendedSessionIdleSeconds > 0,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(Math.Max(settings.ExtendedSessionIdleSeconds, 1)),
            // Events that arrive while a journey continues as new go to the next generation, not to the old one.
            EventBehaviourForContinueAsNew = BehaviorOnContinueAsNew.Carryover,
            // The engine's client sends a new instance's start message before it writes the instance's row; with this
            // check on, a worker that sees the message first defers it, and an event raised just after the scan (a
            // shopper booking at once) can reach the instance before its start and be discarded as "no such instance".
            // Starting twice is prevented before the message is sent (the start is de-duplicated on the instance's
            // status), and a start that still raced another writes nothing twice (the journey row records the step).
            DisableExecutionStartedDeduplication = true,
            LoggerFactory = loggers,
        });
        Client = new TaskHubClient(Service, loggerFactory: loggers);
        _worker = new TaskHubWorker(Service, loggers);
        _worker.AddTaskOrchestrations(new EngineObjectCreator<TaskOrchestration>(JourneyOrchestration.Name, JourneyOrchestration.Version, () => new JourneyOrchestration(settings.StepsPerGeneration)));
        _worker.AddTaskActivities(new EngineObjectCreator<TaskActivity>(CommitJourneyStep.Name, CommitJourneyStep.Version, services.GetRequiredService<CommitJourneyStep>));
        _worker.AddTaskOrchestrations(new EngineObjectCreator<TaskOrchestration>(Kocs.KocMonthOrchestration.Name, Kocs.KocMonthOrchestration.Version, () => new Kocs.KocMonthOrchestration()));
        _worker.AddTaskActivities(new EngineObjectCreator<TaskActivity>(Kocs.AssessKocMonth.Name, Kocs.AssessKocMonth.Version, services.GetRequiredService<Kocs.AssessKocMonth>));
        _worker.AddTaskOrchestrations(new EngineObjectCreator<TaskOrchestration>(Points.PointsExpiryOrchestration.Name, Points.PointsExpiryOrchestration.Version, () => new Points.PointsExpiryOrchestration()));
        _worker.AddTaskActivities(new EngineObjectCreator<TaskActivity>(Points.ExpirePoints.Name, Points.ExpirePoints.Version, services.GetRequiredService<Points.ExpirePoints>));
        _worker.AddTaskOrchestrations(new EngineObjectCreator<TaskOrchestration>(Audience.BroadcastOrchestration.Name, Audience.BroadcastOrchestration.Version, () => new Audience.BroadcastOrchestration()));
        _worker.AddTaskActivities(
            new EngineObjectCreator<TaskActivity>(Audience.TargetBroadcast.Name, Audience.TargetBroadcast.Version, services.GetRequiredService<Audience.TargetBroadcast>),
            new EngineObjectCreator<TaskActivity>(Audience.SendBroadcastBatch.Name, Audience.SendBroadcastBatch.Version, services.GetRequiredService<Audience.SendBroadcastBatch>),
            new EngineObjectCreator<TaskActivity>(Audience.FinishBroadcast.Name, Audience.FinishBroadcast.Version, services.GetRequiredService<Audience.FinishBroadcast>));
        _logger = loggers.CreateLogger<JourneyEngine>();
        _runWorker = settings.Worker;
    }

    public string TaskHubName { get; }

    /// <summary>The engine's own storage requests (client and worker), counted apart from the app's so each can be read.</summary>
    public StorageRequestCounter StorageRequests { get; } = new();
    public AzureStorageOrchestrationService Service { get; }
    public TaskHubClient Client { get; }

    /// <summary>Completes when the worker runs (never, with Journeys:Worker off).</summary>
    public Task Started => _started.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_runWorker) _starting = Task.Run(() => StartWorkerAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops the worker at once: whatever was in flight is redelivered to the next worker (every step is safe to repeat).</summary>
    /// <remarks>
    /// Once, whoever asks: the worker's own stop is not safe to repeat, and a host may be asked to stop twice. The
    /// container disposes the engine only after this finished.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock) return _stop ??= StopOnceAsync();
    }

    private async Task StopOnceAsync()
    {
        await _stopping.CancelAsync();
        await _starting;
        if (_started.Task.IsCompletedSuccessfully) await _worker.StopAsync(isForced: true);
    }

    public void Dispose()
    {
        StopAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(30));
        _stopping.Dispose();
        _worker.Dispose();
    }

    private readonly Lock _stopLock = new();
    private Task? _stop;

    private async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        for (var delay = TimeSpan.FromSeconds(1); !cancellationToken.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2)))
        {
            try
            {
                await Service.CreateIfNotExistsAsync();
                await _worker.StartAsync();
                _started.TrySetResult();
                LogStarted(_logger, TaskHubName);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotStarted(_logger, e, TaskHubName, delay.TotalSeconds);
            }
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The task hub's name: the configured one behind the storage prefix (tests give each app its own), letters and digits only.</summary>
    internal static string HubName(string prefix, string name) => new([.. (prefix + name).Where(char.IsAsciiLetterOrDigit)]);

    /// <summary>The engine reaches storage the way the app does (connection string or identity), its requests counted with the app's.</summary>
    private static StorageAccountClientProvider ClientProvider(StorageConnection connection, StorageRequestCounter counter)
    {
        var blob = counter.Apply(new BlobClientOptions());
        var queue = counter.Apply(new QueueClientOptions());
        var table = counter.Apply(new TableClientOptions());
        return connection.ConnectionString is { } cs
            ? new StorageAccountClientProvider(StorageServiceClientProvider.ForBlob(cs, blob), StorageServiceClientProvider.ForQueue(cs, queue), StorageServiceClientProvider.ForTable(cs, table))
            : new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connection.BlobUri!, connection.Credential, blob),
                StorageServiceClientProvider.ForQueue(connection.QueueUri!, connection.Credential, queue),
                StorageServiceClientProvider.ForTable(connection.TableUri!, connection.Credential, table));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable task hub {TaskHub} is running")]
    private static partial void LogStarted(ILogger logger, string taskHub);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Durable task hub {TaskHub} could not start yet; trying again in {Seconds} s")]
    private static partial void LogNotStarted(ILogger logger, Exception error, string taskHub, double seconds);
}

/// <summary>Makes the engine's objects: a new orchestration per execution (it holds state), activities from the container.</summary>
internal sealed class EngineObjectCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    public EngineObjectCreator(string name, string version, Func<T> create)
    {
        Name = name;
        Version = version;
        _create = create;
    }

    public override T Create() => _create();
}
