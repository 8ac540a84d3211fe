using System.Collections.Concurrent;
using System.Diagnostics;
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
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        Count(message, started);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Count(message, started);
        }
    }

    /// <summary>Requests and the time they took, by kind (table query, queue receive…): where storage time goes.</summary>
    public IReadOnlyDictionary<string, StorageKindStats> ByKind() =>
        _byKind.ToDictionary(k => k.Key, k => new StorageKindStats(
            Interlocked.Read(ref k.Value.Requests), Math.Round(Stopwatch.GetElapsedTime(0, Interlocked.Read(ref k.Value.Ticks)).TotalMilliseconds)));

    private readonly ConcurrentDictionary<string, KindTally> _byKind = new(StringComparer.Ordinal);

    private void Count(HttpMessage message, long started)
    {
        Interlocked.Increment(ref _requests);
        RequestsInstrument.Add(1);
        var tally = _byKind.GetOrAdd(Kind(message.Request), _ => new KindTally());
        Interlocked.Increment(ref tally.Requests);
        Interlocked.Add(ref tally.Ticks, Stopwatch.GetTimestamp() - started);
    }

    /// <summary>What kind of storage request this is, from its method and path (the same for Azure and Azurite).</summary>
    internal static string Kind(Request request)
    {
        var path = request.Uri.Path;
        var query = request.Uri.Query;
        var method = request.Method.Method;
        if (path.EndsWith("/$batch", StringComparison.Ordinal)) return "table transaction";
        if (path.Contains("(PartitionKey=", StringComparison.Ordinal)) return method == "GET" ? "table point read" : "table point write";
        if (query.Contains("$filter", StringComparison.Ordinal) || (method == "GET" && path.EndsWith("()", StringComparison.Ordinal))) return "table query";
        if (path.Contains("/messages", StringComparison.Ordinal))
        {
            return method switch
            {
                "GET" => query.Contains("peekonly", StringComparison.OrdinalIgnoreCase) ? "queue peek" : "queue receive",
                "POST" => "queue send",
                "DELETE" => "queue delete",
                _ => "queue update",
            };
        }
        return $"other {method}";
    }

    private sealed class KindTally
    {
        public long Requests;
        public long Ticks;
    }
}

internal sealed record StorageKindStats(long Requests, double TotalMs);
