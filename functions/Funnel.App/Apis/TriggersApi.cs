using System.Net;
using Funnel.App.Purchases;
using Funnel.App.Storage;
using Funnel.App.Triggers;
using Funnel.Core.Purchases;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

/// <summary>
/// The non-HTTP functions, as the Functions host (or the local runner) invokes them: POST /{FunctionName} with the
/// custom-handler envelope. 200 only once the message's effect is durable; 500 when it may succeed on a retry (the
/// host then retries: queue 5 times then "-poison", Service Bus up to MaxDeliveryCount then dead-letter). A message
/// that can never succeed (invalid, unknown store, a conflicting repeat) is copied to its queue's "-poison" twin with
/// the reason (<see cref="PoisonCopy"/>: without personal data), and acknowledged, so it never blocks the messages
/// behind it (<see cref="HandleAsync"/>).
/// These routes are not public: no HTTP function forwards them (and PathGuardMiddleware stops "api/%2e%2e/…"), they
/// refuse callers that are not on loopback, and standalone they also need the local runner's <see cref="TriggerKey"/>.
/// </summary>
internal static class TriggersApi
{
    public const string PurchasesQueueFunction = "PurchasesQueue";
    public const string PurchasesServiceBusFunction = "PurchasesServiceBus";
    public const string CampaignPushFunction = "CampaignPush";

    /// <summary>The channel adapter: each outbound message through WeCom when it is configured, otherwise logged.</summary>
    public const string OutboundMessagesFunction = "OutboundMessages";
    public const string MessageBinding = "message";

    public static IEndpointRouteBuilder MapTriggersApi(this IEndpointRouteBuilder app)
    {
        var triggers = app.MapGroup("").ExcludeFromDescription().AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var remote = http.Connection.RemoteIpAddress;
            if (remote is not null && !IPAddress.IsLoopback(remote)) return Problems.Forbidden("Trigger endpoints are for the Functions host on this machine only.");
            if (!Extensions.FunctionsHost.IsPresent && !http.RequestServices.GetRequiredService<TriggerKey>().Matches(http.Request.Headers[TriggerKey.Header]))
            {
                return Problems.Forbidden("Trigger endpoints are invoked by the app's own trigger runner only.");
            }
            return await next(context);
        });
        triggers.MapPost($"/{PurchasesQueueFunction}", PurchaseTrigger);
        triggers.MapPost($"/{PurchasesServiceBusFunction}", PurchaseTrigger);
        triggers.MapPost($"/{OutboundMessagesFunction}", OutboundMessageTrigger);
        triggers.MapPost($"/{CampaignPushFunction}", CampaignPushTrigger);
        return app;
    }

    /// <summary>A campaign push batch (or the delayed execution check); a message that is not one goes to the poison queue.</summary>
    internal static Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> CampaignPushTrigger(
        TriggerEnvelope envelope, Campaigns.CampaignService campaigns, FunnelQueues queues, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        HandleAsync<Campaigns.PushBatch>(envelope, queues.PoisonOf(queues.CampaignPush), loggers.CreateLogger("Funnel.Triggers.CampaignPush"), time, [], Campaigns.PushBatch.TryRead,
            async batch =>
            {
                await campaigns.ProcessAsync(batch, cancellationToken);
                return $"Campaign {batch.CampaignId} {batch.Kind} {batch.Batch}: {batch.Stores.Count} stores.";
            },
            _ => false, cancellationToken);

    /// <summary>
    /// An outbound message: through WeCom when the channel is on (<see cref="WeCom.WeComDelivery"/>; a message that is
    /// not one goes to the poison queue), otherwise logged.
    /// </summary>
    internal static async Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> OutboundMessageTrigger(
        TriggerEnvelope envelope, IServiceProvider services, Microsoft.Extensions.Options.IOptions<WeCom.WeComOptions> weCom, FunnelQueues queues, ILoggerFactory loggers,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (weCom.Value.IsEnabled)
        {
            var delivery = services.GetRequiredService<WeCom.WeComDelivery>();
            return await HandleAsync<OutboundMessage>(envelope, queues.PoisonOf(queues.OutboundMessages), loggers.CreateLogger("Funnel.Triggers.Outbound"), time, ["leadId", "messageId"],
                (string text, out OutboundMessage? message, out string error) =>
                {
                    message = OutboundMessageLog.Read(text) is { MessageId.Length: > 0, StoreId.Length: > 0, LeadId.Length: > 0, Template.Length: > 0 } read ? read : null;
                    error = message is null ? "Not an outbound message (JSON with messageId, storeId, leadId, template, at)." : "";
                    return message is not null;
                },
                message => delivery.ProcessAsync(message, cancellationToken), _ => false, cancellationToken);
        }
        var message = OutboundMessageLog.Read(envelope.Text(MessageBinding));
        if (message is not { MessageId.Length: > 0, StoreId.Length: > 0, LeadId.Length: > 0 })
        {
            OutboundMessageLog.Unreadable(loggers.CreateLogger("Funnel.Outbound"));
            return TypedResults.Ok(TriggerResponse.WithLog("Logged."));
        }
        return TypedResults.Ok(TriggerResponse.WithLog(await services.GetRequiredService<Audience.MessageConsent>().LogAsync(message, cancellationToken)));
    }

    internal static Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> PurchaseTrigger(
        TriggerEnvelope envelope, PurchaseService purchases, FunnelQueues queues, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken) =>
        HandleAsync<Purchase>(envelope, queues.PurchasesPoison, loggers.CreateLogger("Funnel.Triggers.Purchases"), time, ["shopperId"],
            (string text, out Purchase? purchase, out string error) =>
            {
                var ok = PurchaseMessage.TryRead(text, out purchase, out var errors);
                error = string.Join(" ", errors);
                return ok;
            },
            async purchase => $"Purchase {purchase.PurchaseId}: {await purchases.ProcessAsync(purchase, Delivery(envelope), cancellationToken)}.",
            e => e is PurchaseRejectedException, cancellationToken);

    /// <summary>How many times the message has been delivered, this time included (Service Bus DeliveryCount, queue DequeueCount).</summary>
    private static int Delivery(TriggerEnvelope envelope) =>
        (int)(envelope.MetadataNumber("DeliveryCount") ?? envelope.MetadataNumber("DequeueCount") ?? 1);

    /// <summary>Reads a queue message, or says why it never can be processed.</summary>
    private delegate bool MessageReader<T>(string text, out T? message, out string error);

    /// <summary>
    /// Every queue function's contract: a message that cannot be read, or whose processing fails for good
    /// (<paramref name="isPermanent"/>), is copied to <paramref name="poison"/> with the reason, without the
    /// <paramref name="personal"/> properties, and acknowledged
    /// (200); any other failure answers 500, so the host (or the local runner) tries again.
    /// </summary>
    private static async Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> HandleAsync<T>(
        TriggerEnvelope envelope, Azure.Storage.Queues.QueueClient poison, ILogger logger, TimeProvider time, string[] personal, MessageReader<T> read, Func<T, Task<string>> process,
        Func<Exception, bool> isPermanent, CancellationToken cancellationToken)
        where T : class
    {
        var id = envelope.MetadataText("MessageId") ?? envelope.MetadataText("Id") ?? "?";
        var tries = Delivery(envelope);
        var text = envelope.Text(MessageBinding);
        string reason;
        if (text is null)
        {
            reason = $"The invocation has no Data.{MessageBinding}.";
        }
        else if (!read(text, out var message, out var error))
        {
            reason = error;
        }
        else
        {
            try
            {
                return TypedResults.Ok(TriggerResponse.WithLog(await process(message!)));
            }
            catch (Exception e) when (isPermanent(e))
            {
                reason = e.Message;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Message {MessageId} (try {Tries}) failed and will be retried", id, tries);
                return TypedResults.Json(TriggerResponse.WithLog($"Transient failure: {e.GetType().Name}."), statusCode: StatusCodes.Status500InternalServerError);
            }
        }
        await poison.SendMessageAsync(BinaryData.FromString(PoisonCopy.Of(reason, id, time.GetUtcNow(), text, personal).ToJson()), cancellationToken: cancellationToken);
        logger.LogError("Message {MessageId} moved to {PoisonQueue}: {Reason}", id, poison.Name, reason);
        return TypedResults.Ok(TriggerResponse.WithLog($"Poisoned: {reason}"));
    }
}
