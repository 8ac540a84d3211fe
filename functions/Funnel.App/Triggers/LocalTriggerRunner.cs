using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Funnel.App.Apis;
using Funnel.App.Storage;
using Microsoft.Extensions.Options;

namespace Funnel.App.Triggers;

/// <summary>
/// Stands in for the Functions host's queue triggers when the app runs without it (./run.sh, tests, CI):
/// polls the Storage queues (and, as a stand-in for a channel
/// adapter, logs outbound-messages) and calls the very same trigger endpoints with the host's envelope and semantics: batches,
/// DequeueCount, a message hidden while it is processed, deleted only after a 2xx, retried with back-off after a
/// failure, moved to "-poison" after MaxDequeueCount tries, and a graceful stop that lets messages in flight finish.
/// It is a small loop, not a second runtime: anything it does the host also does.
/// </summary>
internal sealed partial class LocalTriggerRunner(
    FunnelQueues queues,
    StorageInitializer storage,
    ITriggerTransport transport,
    IOptions<TriggerOptions> options,
    IOptions<Journeys.JourneyOptions> journeyOptions,
    IHostApplicationLifetime lifetime,
    ILogger<LocalTriggerRunner> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions HostJson = new() { PropertyNamingPolicy = null };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.IsEnabled) return;
        // Like the host, invoke only once the app listens, and only once storage is there.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        while (!storage.IsReady && !stoppingToken.IsCancellationRequested) await Task.Delay(250, stoppingToken);
        var journeys = journeyOptions.Value;
        var loops = new List<Task>
        {
            PollAsync(queues.Purchases, TriggersApi.PurchasesQueueFunction, settings, stoppingToken),
            PollAsync(queues.CampaignPush, TriggersApi.CampaignPushFunction, settings, stoppingToken),
        };
        if (journeys.LogOutboundMessages) loops.Add(PollAsync(queues.OutboundMessages, TriggersApi.OutboundMessagesFunction, settings, stoppingToken));
        await Task.WhenAll(loops);
    }

    private async Task PollAsync(QueueClient queue, string function, TriggerOptions settings, CancellationToken stoppingToken)
    {
        LogStarted(logger, queue.Name, settings.BatchSize, settings.Concurrency);
        var idle = TimeSpan.FromMilliseconds(10);
        var maxIdle = TimeSpan.FromMilliseconds(settings.MaxPollingIntervalMs);
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var inFlight = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, TimeSpan.FromSeconds(settings.VisibilityTimeoutSeconds), stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong with this poll, the runner keeps running (the host's does too).
                LogPollFailed(logger, e, queue.Name);
                messages = [];
                await Delay(maxIdle, stoppingToken);
            }
            if (messages.Length == 0)
            {
                await Delay(idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(maxIdle.Ticks, idle.Ticks * 2));
                continue;
            }
            idle = TimeSpan.FromMilliseconds(10);
            foreach (var message in messages)
            {
                // A stop lets the messages already taken finish; they are not cancelled halfway.
                await slots.WaitAsync(CancellationToken.None);
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await HandleAsync(queue, function, message, settings);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
            inFlight.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(inFlight);
    }

    private async Task HandleAsync(QueueClient queue, string function, QueueMessage message, TriggerOptions settings)
    {
        bool ok;
        var visibility = TimeSpan.FromSeconds(settings.VisibilityTimeoutSeconds);
        var receipt = message.PopReceipt;
        using var renewal = new CancellationTokenSource();
        // While the invocation runs, keep the message hidden (the host renews too), so no second copy runs beside it.
        var renewing = Task.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(visibility / 2, renewal.Token);
                receipt = (await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: visibility, cancellationToken: renewal.Token)).Value.PopReceipt;
            }
        }, CancellationToken.None);
        try
        {
            using var response = await transport.Client.PostAsJsonAsync("/" + function, Envelope(message, function), HostJson);
            ok = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            LogInvokeFailed(logger, e, function, message.MessageId);
            ok = false;
        }
        finally
        {
            await renewal.CancelAsync();
            try
            {
                await renewing;
            }
            catch (Exception e) when (e is OperationCanceledException or Azure.RequestFailedException)
            {
                // renewal stopped (or the message had already reappeared; settling below then fails harmlessly)
            }
        }
        try
        {
            if (ok)
            {
                await queue.DeleteMessageAsync(message.MessageId, receipt);
            }
            else if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await queues.PoisonOf(queue).SendMessageAsync(message.Body);
                await queue.DeleteMessageAsync(message.MessageId, receipt);
                LogPoisoned(logger, message.MessageId, queue.Name, message.DequeueCount);
            }
            else
            {
                // Back off: visible again after base, 2 × base, 4 × base, ... (at most a minute).
                var delay = TimeSpan.FromMilliseconds(Math.Min(60_000, settings.RetryBackoffBaseMs * Math.Pow(2, message.DequeueCount - 1)));
                await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: delay);
            }
        }
        catch (Azure.RequestFailedException e)
        {
            // The message stays hidden until its visibility timeout and is then tried again: nothing is lost.
            LogSettleFailed(logger, e, message.MessageId);
        }
    }

    /// <summary>The host's shape: every value JSON-encoded into a string, as the Functions host sends it.</summary>
    private static object Envelope(QueueMessage m, string function) => new
    {
        Data = new Dictionary<string, string> { [TriggersApi.MessageBinding] = JsonSerializer.Serialize(m.Body.ToString()) },
        Metadata = new Dictionary<string, object?>
        {
            ["DequeueCount"] = m.DequeueCount.ToString(CultureInfo.InvariantCulture),
            ["Id"] = JsonSerializer.Serialize(m.MessageId),
            ["PopReceipt"] = JsonSerializer.Serialize(m.PopReceipt),
            ["InsertionTime"] = m.InsertedOn,
            ["ExpirationTime"] = m.ExpiresOn,
            ["NextVisibleTime"] = m.NextVisibleOn,
            ["sys"] = new { MethodName = function, UtcNow = DateTimeOffset.UnixEpoch, RandGuid = Guid.NewGuid() },
        },
    };

    private static async Task Delay(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Local trigger runner polling {Queue} (batch {BatchSize}, {Concurrency} at once)")]
    private static partial void LogStarted(ILogger logger, string queue, int batchSize, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {Queue} failed; trying again")]
    private static partial void LogPollFailed(ILogger logger, Exception error, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invoking {Function} for message {MessageId} failed")]
    private static partial void LogInvokeFailed(ILogger logger, Exception error, string function, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} moved from {Queue} to its poison queue after {Tries} tries")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, long tries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle message {MessageId}; it will be retried after its visibility timeout")]
    private static partial void LogSettleFailed(ILogger logger, Exception error, string messageId);
}
