using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Purchases per second drained from a pre-filled queue by the app's local trigger runner, against a raw consumer
/// (receive in batches, insert one entity, delete the message) on the same Azurite in the same run; storage
/// transactions per purchase counted inside the app. Two phases, each a fresh app process on its own queue:
/// new purchases (70% by shoppers who scanned, 30% walk-ins), then repeats of them. The set-up's journeys take their
/// first steps before the phases, so a phase's engine requests are the purchases' own (conversions) and its polling.
/// </summary>
internal static class PurchaseBenchmark
{
    private const int NewPurchases = 4000;
    private const int Repeats = 1000;
    private const int Stores = 20;
    private const int Shoppers = 1000;

    public static async Task RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var raw = await RawConsumerAsync(azurite, 4000, "raw");
        Console.Error.WriteLine($"raw consumer: {raw.MessagesPerSecond:F0} messages/s, {raw.RequestsPerSecond:F0} requests/s");

        // Set-up through the API (stores, clerks, scans), with a runner that has no work.
        await using (var setup = await BenchApp.StartAsync(azurite))
        {
            using var http = new HttpClient { BaseAddress = new Uri(setup.BaseUrl) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
            var codes = new List<string>();
            for (var s = 0; s < Stores; s++)
            {
                (await http.PutAsJsonAsync($"/api/stores/s{s}", new { name = $"s{s}", region = "bench" })).EnsureSuccessStatusCode();
                (await http.PutAsJsonAsync($"/api/stores/s{s}/clerks/c0", new { name = "c0" })).EnsureSuccessStatusCode();
                var code = await http.PostAsJsonAsync($"/api/stores/s{s}/codes", new { clerkId = "c0", channel = "till" });
                codes.Add((await code.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!);
            }
            await Parallel.ForEachAsync(Enumerable.Range(0, Shoppers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                (await http.PostAsJsonAsync("/api/scans", new { code = codes[i % Stores], shopperId = $"shopper-{i}" }, ct)).EnsureSuccessStatusCode());
            // The journeys those scans started take their first steps here, not in the phases below.
            Console.Error.WriteLine($"set-up: the journey engine settled in {(await BenchApp.WaitForEngineIdleAsync(http)).TotalSeconds:F0} s");
        }

        var random = new Random(7);
        var now = DateTimeOffset.UtcNow;
        var purchases = Enumerable.Range(0, NewPurchases).Select(i =>
        {
            var shopper = random.NextDouble() < 0.7 ? $"shopper-{random.Next(Shoppers)}" : $"walk-in-{i}";
            var store = shopper.StartsWith("shopper-", StringComparison.Ordinal) && random.NextDouble() < 0.9
                ? $"s{int.Parse(shopper["shopper-".Length..], CultureInfo.InvariantCulture) % Stores}" : $"s{random.Next(Stores)}";
            return Message($"p{i}", store, shopper, Math.Round((decimal)(random.NextDouble() * 300) + 1, 2), now);
        }).ToList();

        // The same bound again on this Azurite as the phases find it (holding the set-up's stores, leads and journeys).
        var rawLoaded = await RawConsumerAsync(azurite, 2000, "rawloaded");
        Console.Error.WriteLine($"raw consumer after the set-up: {rawLoaded.MessagesPerSecond:F0} messages/s, {rawLoaded.RequestsPerSecond:F0} requests/s");
        var newPhase = await PhaseAsync(azurite, "new purchases", "a-", purchases);
        var repeatPhase = await PhaseAsync(azurite, "repeated purchases", "b-", [.. purchases.Take(Repeats)]);

        Console.WriteLine();
        Console.WriteLine($"Purchase benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; runner batch 16, 16 at once");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Raw consumer on the same Azurite (receive 16 at a time, insert one entity, delete): {raw.MessagesPerSecond:F0} messages/s = {raw.RequestsPerSecond:F0} storage requests/s at the start, {rawLoaded.MessagesPerSecond:F0} = {rawLoaded.RequestsPerSecond:F0} after the set-up (the ratios below use the first)."));
        Console.WriteLine();
        Console.WriteLine("| phase | purchases | purchases/s | storage tx/purchase (app + engine) | raw requests/s ÷ tx | purchases/s ÷ (raw ÷ tx) | app CPU ms/purchase | app peak MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in new[] { newPhase, repeatPhase })
        {
            var bound = raw.RequestsPerSecond / p.TxPerPurchase;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name} | {p.Count} | {p.PerSecond:F0} | {p.TxPerPurchase:F2} ({p.AppTx:F2} + {p.EngineTx:F2}) | {bound:F0} | {p.PerSecond / bound:F2} | {p.AppCpuMs:F2} | {p.PeakMb:F0} |"));
        }
    }

    private sealed record Phase(string Name, int Count, double PerSecond, double TxPerPurchase, double AppTx, double EngineTx, double AppCpuMs, double PeakMb);

    private static async Task<Phase> PhaseAsync(AzuriteServer azurite, string name, string queuePrefix, List<string> messages)
    {
        var queue = new QueueClient(azurite.ConnectionString, queuePrefix + "purchases", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (m, ct) => await queue.SendMessageAsync(BinaryData.FromString(m), cancellationToken: ct));

        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Storage__QueuePrefix"] = queuePrefix,
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__MaxPollingIntervalMs"] = "100",
        });
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        var clock = Stopwatch.StartNew();
        var left = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var requestsBefore = await BenchApp.StorageSplitAsync(http);
        var kindsBefore = await BenchApp.StorageKindsAsync(http);
        var cpuBefore = CpuMeter.Seconds(app.ProcessId);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0) await Task.Delay(50);
        var elapsed = clock.Elapsed;
        var cpu = CpuMeter.Seconds(app.ProcessId) - cpuBefore;
        var after = await BenchApp.StorageSplitAsync(http);
        Console.Error.WriteLine($"{name}, storage requests by kind (per purchase, mean ms):");
        foreach (var line in BenchApp.KindsPerOperation(kindsBefore, await BenchApp.StorageKindsAsync(http), left)) Console.Error.WriteLine("  " + line);
        var phase = new Phase(name, left, left / elapsed.TotalSeconds, (after.All - requestsBefore.All - 1.0) / left, (after.App - requestsBefore.App - 1.0) / left,
            (double)(after.Engine - requestsBefore.Engine) / left, cpu * 1000 / left, app.PeakMemoryMb());
        Console.Error.WriteLine($"{name}: {left} in {elapsed.TotalSeconds:F1} s = {phase.PerSecond:F0}/s, {phase.TxPerPurchase:F2} tx each, peak {phase.PeakMb:F0} MB");
        return phase;
    }

    /// <summary>The storage ceiling for a queue consumer: receive 16 at a time, insert one entity each, delete each.</summary>
    private static async Task<(double MessagesPerSecond, double RequestsPerSecond)> RawConsumerAsync(AzuriteServer azurite, int count, string name)
    {
        var queue = new QueueClient(azurite.ConnectionString, name + "-purchases", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        var table = new TableClient(azurite.ConnectionString, name + "purchases");
        await table.CreateIfNotExistsAsync();
        var body = Message("p", "s0", "shopper", 10m, DateTimeOffset.UnixEpoch);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) => await queue.SendMessageAsync(BinaryData.FromString(body), cancellationToken: ct));

        long requests = 0, messages = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (worker, ct) =>
        {
            while (true)
            {
                var batch = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30), ct)).Value;
                Interlocked.Increment(ref requests);
                if (batch.Length == 0) break;
                foreach (var m in batch)
                {
                    await table.AddEntityAsync(new TableEntity($"s{worker}", m.MessageId) { ["Body"] = m.Body.ToString() }, ct);
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
                    Interlocked.Add(ref requests, 2);
                    Interlocked.Increment(ref messages);
                }
            }
        });
        var seconds = clock.Elapsed.TotalSeconds;
        return (messages / seconds, requests / seconds);
    }


    private static string Message(string id, string store, string shopper, decimal amount, DateTimeOffset at) => JsonSerializer.Serialize(new
    {
        purchaseId = id,
        storeId = store,
        shopperId = shopper,
        amount,
        currency = "CNY",
        items = new[] { new { sku = "SKU-1", qty = 1, price = amount } },
        purchasedAt = at,
    });
}
