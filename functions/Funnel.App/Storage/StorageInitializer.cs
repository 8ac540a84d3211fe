using Azure;

namespace Funnel.App.Storage;

/// <summary>
/// Creates the tables, queues and the assets container at start-up. If storage is not reachable yet, the app still starts (health says 503)
/// and creation is tried again in the background until it succeeds.
/// </summary>
internal sealed partial class StorageInitializer(FunnelTables tables, FunnelQueues queues, FunnelBlobs blobs, ILogger<StorageInitializer> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Completes when every table, queue and the container exist.</summary>
    public Task Ready => _ready.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Try once in the foreground so a healthy app is ready before it takes requests.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await TryCreateAsync(timeout.Token);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!IsReady && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(delay, stoppingToken);
            await TryCreateAsync(stoppingToken);
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private async Task TryCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var table in tables.All) await table.CreateIfNotExistsAsync(cancellationToken);
            foreach (var queue in queues.All) await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await blobs.Assets.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _ready.TrySetResult();
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            logger.LogWarning("Storage is not reachable yet ({Reason}); tables will be created when it is.", e.Message);
        }
    }
}
