using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Campaigns on one Azurite, the app as its own Release process with its local runner draining campaign-push:
/// 1. raw Azurite batch inserts (100-entity transactions, 16 at once into one partition) for the ceiling in entities/s;
/// 2. one asset pushed to 4,000 stores: time from POST .../push until every assignment exists (the push reports
///    complete only when every batch wrote its assignments);
/// 3. the execution report for those 4,000 stores, 50 times: p50/p95;
/// 4. a 100 MB upload into a fresh app process: its peak resident memory before and after.
/// </summary>
internal static class CampaignBenchmark
{
    private const int Stores = 4000;

    public static async Task RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var raw = await RawBatchInsertAsync(azurite, TimeSpan.FromSeconds(10));
        Console.Error.WriteLine($"raw batch insert: {raw:F0} entities/s");

        // The stores exist in the directory (what a push reads), written straight to storage to keep the set-up short.
        var directory = new TableClient(azurite.ConnectionString, "directory");
        await directory.CreateIfNotExistsAsync();
        var regions = new[] { "east", "west", "north", "south" };
        foreach (var chunk in Enumerable.Range(0, Stores).Chunk(100))
        {
            await directory.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity("store", $"s{i:D4}") { ["Name"] = $"s{i}", ["Region"] = regions[i % regions.Length] })));
        }

        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__MaxPollingIntervalMs"] = "100",
        });
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        var now = DateTimeOffset.UtcNow;
        (await http.PostAsJsonAsync("/api/campaigns", new { campaignId = "bench", name = "Bench", startsAt = now, endsAt = now.AddDays(30) })).EnsureSuccessStatusCode();
        var poster = new ByteArrayContent(new byte[50_000]);
        poster.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/jpeg");
        (await http.PostAsync("/api/campaigns/bench/assets?name=poster.jpg", poster)).EnsureSuccessStatusCode();

        // 2. Push to every store.
        var clock = Stopwatch.StartNew();
        (await http.PostAsJsonAsync("/api/campaigns/bench/push", new { all = true })).EnsureSuccessStatusCode();
        while (!(await http.GetFromJsonAsync<JsonElement>("/api/campaigns/bench/push")).GetProperty("complete").GetBoolean()) await Task.Delay(50);
        var pushSeconds = clock.Elapsed.TotalSeconds;
        var perSecond = Stores / pushSeconds;
        Console.Error.WriteLine($"push to {Stores}: {pushSeconds:F2} s = {perSecond:F0} assignments/s");

        // 3. The execution report.
        var latencies = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var report = await http.GetFromJsonAsync<JsonElement>("/api/campaigns/bench/execution");
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (report.GetProperty("targeted").GetInt32() != Stores) throw new InvalidOperationException($"The report counts {report.GetProperty("targeted")} stores, not {Stores}.");
        }
        latencies.Sort();
        double P(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];

        // 4. A 100 MB upload, streamed, in a fresh app process (so nothing before it raised the memory high-water mark):
        //    its peak after a 1 MB warm-up upload, then after the 100 MB one.
        await using var fresh = await BenchApp.StartAsync(azurite);
        using var freshHttp = new HttpClient { BaseAddress = new Uri(fresh.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
        freshHttp.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        var warm = new StreamContent(new PatternStream(1L * 1024 * 1024, 7));
        warm.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
        (await freshHttp.PostAsync("/api/campaigns/bench/assets?name=warm.mp4", warm)).EnsureSuccessStatusCode();
        var before = fresh.PeakMemoryMb();
        var video = new StreamContent(new PatternStream(100L * 1024 * 1024, 31));
        video.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
        clock.Restart();
        (await freshHttp.PostAsync("/api/campaigns/bench/assets?name=film.mp4", video)).EnsureSuccessStatusCode();
        var uploadSeconds = clock.Elapsed.TotalSeconds;
        var after = fresh.PeakMemoryMb();

        Console.WriteLine();
        Console.WriteLine($"Campaign benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| what | result | raw Azurite in the same run | ratio |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| push 1 asset to {Stores:N0} stores, until every assignment exists | {pushSeconds:F2} s = {perSecond:F0} assignments/s | {raw:F0} entities/s (100-entity transactions, 16 at once, one partition) | {perSecond / raw:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| execution report, {Stores:N0} stores, 50 requests | p50 {P(0.5):F0} ms, p95 {P(0.95):F0} ms | | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| 100 MB upload (fresh app) | {uploadSeconds:F1} s; app peak memory {before:F0} → {after:F0} MB (+{after - before:F0} MB) | | |"));
    }

    private static async Task<double> RawBatchInsertAsync(AzuriteServer azurite, TimeSpan duration)
    {
        var table = new TableClient(azurite.ConnectionString, "rawbatch");
        await table.CreateIfNotExistsAsync();
        long entities = 0;
        var clock = Stopwatch.StartNew();
        // Like the app's push: 16 at once (the runner's concurrency), all into one partition (the campaign's).
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (worker, ct) =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertMerge,
                    new TableEntity("raw", $"store|w{worker}-{n}-{i:D3}|asset") { ["StoreId"] = $"s{i}", ["AssetId"] = "a", ["Region"] = "east", ["PushId"] = "p" })), ct);
                Interlocked.Add(ref entities, 100);
            }
        });
        return entities / clock.Elapsed.TotalSeconds;
    }

    /// <summary>A readable stream of <paramref name="length"/> bytes made up on the fly (no 100 MB buffer in the load generator).</summary>
    private sealed class PatternStream(long length, int seed) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++) buffer[offset + i] = (byte)((_position + i) * seed);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
