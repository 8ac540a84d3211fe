using System.ComponentModel.DataAnnotations;

namespace Funnel.App.Triggers;

/// <summary>Settings under "Triggers": the local runner that stands in for the Functions host's queue triggers.</summary>
internal sealed class TriggerOptions
{
    public const string Section = "Triggers";

    /// <summary>Run the local runner. Default: on when the app runs without the Functions host, off under it.</summary>
    public bool? LocalRunner { get; set; }

    /// <summary>Messages taken per receive (the host's queues.batchSize; at most 32).</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Invocations in flight at once.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 16;

    /// <summary>Tries before a message goes to its "-poison" queue (the host's queues.maxDequeueCount).</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a received message stays hidden; a runner that dies mid-message lets it reappear after this.</summary>
    [Range(1, 3600)]
    public int VisibilityTimeoutSeconds { get; set; } = 30;

    /// <summary>The longest wait between polls of an empty queue (the host's queues.maxPollingInterval).</summary>
    [Range(10, 60000)]
    public int MaxPollingIntervalMs { get; set; } = 1000;

    /// <summary>After a failed try a message is visible again after base × 2^(tries-1), at most 60 s.</summary>
    [Range(1, 60000)]
    public int RetryBackoffBaseMs { get; set; } = 1000;

    public bool IsEnabled => LocalRunner ?? !Extensions.FunctionsHost.IsPresent;
}
