using System.Diagnostics;

namespace Funnel.Bench;

/// <summary>A closed-loop load: N clients, each sending its next request when the last one answered, for a fixed time.</summary>
internal static class Load
{
    public sealed record Result(long Operations, long Failures, TimeSpan Elapsed, double[] LatenciesMs)
    {
        public double PerSecond => Operations / Elapsed.TotalSeconds;
        public double P50 => Percentile(0.50);
        public double P99 => Percentile(0.99);

        private double Percentile(double p)
        {
            if (LatenciesMs.Length == 0) return double.NaN;
            var sorted = LatenciesMs.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        }
    }

    /// <param name="operation">Gets the client index and its sequence number; returns false on a failed operation.</param>
    public static async Task<Result> RunAsync(int clients, TimeSpan duration, Func<int, long, Task<bool>> operation)
    {
        var latencies = new List<double>[clients];
        long operations = 0, failures = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async c =>
        {
            latencies[c] = [];
            for (long i = 0; clock.Elapsed < duration; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await operation(c, i);
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref operations);
                if (!ok) Interlocked.Increment(ref failures);
            }
        }).ToList();
        await Task.WhenAll(workers);
        return new Result(operations, failures, clock.Elapsed, latencies.SelectMany(l => l).ToArray());
    }
}
