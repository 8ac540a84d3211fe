using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Funnel.App.Storage;

/// <summary>
/// Counts every request the Azure SDK clients send to storage (each retry too): the storage
/// transactions the app pays for. The benchmark reads it to report transactions per scan.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    public const string MeterName = "Funnel.Storage";
    public static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> RequestsInstrument = Meter.CreateCounter<long>("funnel.storage.requests", description: "Requests sent to Azure Storage.");
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>The settings every storage client of the app shares: counted requests, 3 retries.</summary>
    public T Apply<T>(T options) where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        options.Retry.MaxRetries = 3;
        return options;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count();
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count();
        return ProcessNextAsync(message, pipeline);
    }

    private void Count()
    {
        Interlocked.Increment(ref _requests);
        RequestsInstrument.Add(1);
    }
}
