using DurableTask.Core;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Funnel.App.Journeys;

/// <summary>One entry of a journey's engine history: what the engine recorded, when.</summary>
internal sealed record JourneyEngineEvent(long EventId, DateTimeOffset At, string Kind, string? Name, string? Detail);

/// <summary>A journey as the engine knows it: its runtime status, the status it reports, and the history of its current generation.</summary>
internal sealed record JourneyEngineHistory(
    string InstanceId, string ExecutionId, string RuntimeStatus, JourneyStatus? Journey, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, IReadOnlyList<JourneyEngineEvent> Events);

/// <summary>
/// How the app reaches the journeys: starts one (one instance per lead and store; starting it again finds the first),
/// raises events to it, and reads its history from the engine.
/// </summary>
internal sealed class JourneyService(JourneyEngine engine, JourneyClock clock, IOptions<JourneyOptions> options)
{
    public const string MeterName = "Funnel.Journeys";

    /// <summary>Every status but Failed and Terminated: an instance in one of these is never started twice.</summary>
    internal static readonly OrchestrationStatus[] NotToStartAgain =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Completed, OrchestrationStatus.Suspended];

    /// <summary>Starts the lead's journey at the store with its first scan, unless it exists already.</summary>
    public Task StartAsync(StoreSettings store, string leadId, Scanned scanned, CancellationToken cancellationToken)
    {
        var input = new JourneyInput(store.StoreId, leadId, clock, JourneyRules.Of(store), null, [JourneyEventMessage.Of(scanned)],
            StepsPerGeneration: options.Value.StepsPerGeneration);
        return engine.Client.CreateOrchestrationInstanceAsync(JourneyOrchestration.Name, JourneyOrchestration.Version,
            JourneyJson.InstanceId(store.StoreId, leadId), JourneyJson.Write(input), null, NotToStartAgain).WaitAsync(cancellationToken);
    }

    /// <summary>Raises an event to the lead's journey at the store (one queue message; the journey applies its event id once).</summary>
    public Task RaiseAsync(string storeId, string leadId, JourneyEvent e, CancellationToken cancellationToken) =>
        engine.Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = JourneyJson.InstanceId(storeId, leadId) },
            JourneyOrchestration.EventName, JourneyJson.Write(JourneyEventMessage.Of(e))).WaitAsync(cancellationToken);

    /// <summary>The journey's engine history (its current generation: earlier ones were cut by ContinueAsNew), or null when there is no such journey.</summary>
    public async Task<JourneyEngineHistory?> HistoryAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var state = await engine.Client.GetOrchestrationStateAsync(JourneyJson.InstanceId(storeId, leadId)).WaitAsync(cancellationToken);
        if (state?.OrchestrationInstance?.ExecutionId is not { Length: > 0 }) return null;
        var json = await engine.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance).WaitAsync(cancellationToken);
        var events = JArray.Parse(json).OfType<JObject>().Select(ToEvent).ToList();
        return new JourneyEngineHistory(state.OrchestrationInstance.InstanceId, state.OrchestrationInstance.ExecutionId, state.OrchestrationStatus.ToString(),
            StatusOf(state), new DateTimeOffset(state.CreatedTime, TimeSpan.Zero), new DateTimeOffset(state.LastUpdatedTime, TimeSpan.Zero), events);
    }

    /// <summary>The journey's status as the engine last checkpointed it (one point read of the instances table), or null when there is no such journey.</summary>
    public async Task<JourneyStatus?> StatusAsync(string storeId, string leadId, CancellationToken cancellationToken)
    {
        var state = await engine.Client.GetOrchestrationStateAsync(JourneyJson.InstanceId(storeId, leadId)).WaitAsync(cancellationToken);
        return state is null ? null : StatusOf(state) ?? new JourneyStatus("starting", 0, []);
    }

    /// <summary>The custom status is our JSON, serialized once more by the engine as a JSON string.</summary>
    private static JourneyStatus? StatusOf(OrchestrationState state) =>
        state.Status is { Length: > 0 } status && System.Text.Json.JsonSerializer.Deserialize<string>(status) is { } json ? JourneyJson.Read<JourneyStatus>(json) : null;

    /// <summary>Inputs and results are our JSON inside the engine's JSON string: shown once unwrapped.</summary>
    private static string? Unwrap(string? value)
    {
        if (value is not { Length: > 1 } || value[0] != '"') return value;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<string>(value);
        }
        catch (System.Text.Json.JsonException)
        {
            return value;
        }
    }

    private static JourneyEngineEvent ToEvent(JObject e)
    {
        var type = e.Value<int?>("EventType") is { } t ? ((DurableTask.Core.History.EventType)t).ToString() : "Unknown";
        var detail = Unwrap(e.Value<string>("Input") ?? e.Value<string>("Result")) ?? e.Value<string>("Reason") ?? e.Value<string>("FireAt");
        return new JourneyEngineEvent(e.Value<long?>("EventId") ?? -1, e.Value<DateTime?>("Timestamp") is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : default,
            type, e.Value<string>("Name"), detail);
    }
}
