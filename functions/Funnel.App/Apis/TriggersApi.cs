using System.Net;
using Funnel.App.Journeys;
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
/// that can never succeed (invalid, unknown store) is copied to the "purchases-poison" queue with the reason logged,
/// and acknowledged, so it never blocks the messages behind it.
/// These routes are not public: no HTTP function forwards them, and they refuse callers that are not on loopback.
/// </summary>
internal static class TriggersApi
{
    public const string PurchasesQueueFunction = "PurchasesQueue";
    public const string PurchasesServiceBusFunction = "PurchasesServiceBus";
    public const string JourneyTimersFunction = "JourneyTimers";
    public const string JourneySweepFunction = "JourneySweep";
    public const string CampaignPushFunction = "CampaignPush";

    /// <summary>The local runner's stand-in for a channel adapter: logs each outbound message (no function.json: in Azure the adapter is its own app).</summary>
    public const string OutboundMessagesFunction = "OutboundMessages";
    public const string MessageBinding = "message";

    public static IEndpointRouteBuilder MapTriggersApi(this IEndpointRouteBuilder app)
    {
        var triggers = app.MapGroup("").ExcludeFromDescription().AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            var remote = context.HttpContext.Connection.RemoteIpAddress;
            return remote is null || IPAddress.IsLoopback(remote)
                ? await next(context)
                : Problems.Forbidden("Trigger endpoints are for the Functions host on this machine only.");
        });
        triggers.MapPost($"/{PurchasesQueueFunction}", PurchaseTrigger);
        triggers.MapPost($"/{PurchasesServiceBusFunction}", PurchaseTrigger);
        triggers.MapPost($"/{JourneyTimersFunction}", JourneyTimerTrigger);
        triggers.MapPost($"/{JourneySweepFunction}", JourneySweepTrigger);
        triggers.MapPost($"/{OutboundMessagesFunction}", OutboundMessageTrigger);
        triggers.MapPost($"/{CampaignPushFunction}", CampaignPushTrigger);
        return app;
    }

    /// <summary>A journey wake-up: fire the timers due (or hop on); a message that is not a wake-up goes to the poison queue.</summary>
    internal static async Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> JourneyTimerTrigger(
        TriggerEnvelope envelope, JourneyService journeys, FunnelQueues queues, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Funnel.Triggers.JourneyTimers");
        var text = envelope.Text(MessageBinding);
        WakeMessage? wake = null;
        var reason = text is null ? $"The invocation has no Data.{MessageBinding}." : WakeMessage.TryRead(text, out wake, out var error) ? null : error;
        if (reason is not null)
        {
            await queues.PoisonOf(queues.JourneyTimers).SendMessageAsync(BinaryData.FromString(text ?? ""), cancellationToken: cancellationToken);
            logger.LogError("Wake-up moved to the poison queue: {Reason}", reason);
            return TypedResults.Ok(TriggerResponse.WithLog($"Poisoned: {reason}"));
        }
        try
        {
            var outcome = await journeys.WakeAsync(wake!, cancellationToken);
            return TypedResults.Ok(TriggerResponse.WithLog($"Journey {wake!.StoreId}/{wake.LeadId} {wake.Timer.Kind}: {outcome}."));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Wake-up for {StoreId}/{LeadId} failed and will be retried", wake!.StoreId, wake.LeadId);
            return TypedResults.Json(TriggerResponse.WithLog($"Transient failure: {e.GetType().Name}."), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>A campaign push batch (or the delayed execution check); a message that is not one goes to the poison queue.</summary>
    internal static async Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> CampaignPushTrigger(
        TriggerEnvelope envelope, Campaigns.CampaignService campaigns, FunnelQueues queues, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Funnel.Triggers.CampaignPush");
        var text = envelope.Text(MessageBinding);
        Campaigns.PushBatch? batch = null;
        try
        {
            batch = text is null ? null : System.Text.Json.JsonSerializer.Deserialize<Campaigns.PushBatch>(text, Storage.JourneyRows.Json);
        }
        catch (System.Text.Json.JsonException)
        {
            // poisoned below
        }
        if (batch is null || batch.Kind is not ("assign" or "check") || string.IsNullOrEmpty(batch.CampaignId) || batch.Stores is null || batch.AssetIds is null)
        {
            await queues.PoisonOf(queues.CampaignPush).SendMessageAsync(BinaryData.FromString(text ?? ""), cancellationToken: cancellationToken);
            logger.LogError("Campaign push message moved to the poison queue: not a push batch");
            return TypedResults.Ok(TriggerResponse.WithLog("Poisoned: not a push batch."));
        }
        try
        {
            await campaigns.ProcessAsync(batch, cancellationToken);
            return TypedResults.Ok(TriggerResponse.WithLog($"Campaign {batch.CampaignId} {batch.Kind} {batch.Batch}: {batch.Stores.Count} stores."));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Campaign push batch {Batch} of {CampaignId} failed and will be retried", batch.Batch, batch.CampaignId);
            return TypedResults.Json(TriggerResponse.WithLog($"Transient failure: {e.GetType().Name}."), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>The sweep (a TimerTrigger in Azure, the local runner's timer here).</summary>
    internal static async Task<Ok<TriggerResponse>> JourneySweepTrigger(JourneyService journeys, CancellationToken cancellationToken)
    {
        var result = await journeys.SweepAsync(cancellationToken);
        return TypedResults.Ok(TriggerResponse.WithLog(
            $"Swept {result.Stores} stores: {result.DueRows} due rows, {result.JourneysRead} journeys read, {result.TimersFired} timers fired, {result.OutboxesResent} outboxes resent."));
    }

    internal static Ok<TriggerResponse> OutboundMessageTrigger(TriggerEnvelope envelope, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Funnel.Outbound");
        logger.LogInformation("Outbound message (logged, not delivered: no channel adapter runs locally): {Message}", envelope.Text(MessageBinding));
        return TypedResults.Ok(TriggerResponse.WithLog("Logged."));
    }

    internal static async Task<Results<Ok<TriggerResponse>, JsonHttpResult<TriggerResponse>>> PurchaseTrigger(
        TriggerEnvelope envelope, PurchaseService purchases, FunnelQueues queues, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Funnel.Triggers.Purchases");
        var id = envelope.MetadataText("MessageId") ?? envelope.MetadataText("Id") ?? "?";
        var tries = envelope.MetadataNumber("DeliveryCount") ?? envelope.MetadataNumber("DequeueCount") ?? 1;
        var text = envelope.Text(MessageBinding);
        string reason;
        if (text is null)
        {
            reason = $"The invocation has no Data.{MessageBinding}.";
        }
        else if (!PurchaseMessage.TryRead(text, out var purchase, out var errors))
        {
            reason = string.Join(" ", errors);
        }
        else
        {
            try
            {
                var outcome = await purchases.ProcessAsync(purchase!, cancellationToken);
                return TypedResults.Ok(TriggerResponse.WithLog($"Purchase {purchase!.PurchaseId}: {outcome}."));
            }
            catch (PurchaseRejectedException rejected)
            {
                reason = rejected.Message;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Message {MessageId} (try {Tries}) failed and will be retried", id, tries);
                return TypedResults.Json(TriggerResponse.WithLog($"Transient failure: {e.GetType().Name}."), statusCode: StatusCodes.Status500InternalServerError);
            }
        }
        await queues.PurchasesPoison.SendMessageAsync(BinaryData.FromString(text ?? ""), cancellationToken: cancellationToken);
        logger.LogError("Message {MessageId} moved to {PoisonQueue}: {Reason}", id, queues.PurchasesPoison.Name, reason);
        return TypedResults.Ok(TriggerResponse.WithLog($"Poisoned: {reason}"));
    }
}
