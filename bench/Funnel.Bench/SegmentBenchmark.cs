using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Funnel.App.Storage;
using Funnel.Core.Scans;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// Segments and broadcasts at chain scale. A chain of --stores stores (4 regions) with --leads members in all is written
/// straight to the tables (memberships, journey stages and activity, tags with their index rows: the API would take
/// longer than what is measured), the stores themselves through the API. Then, on the Release app:
/// <list type="number">
/// <item>preview times (median of 3) of chain-wide segments: everyone (every membership read), the dormant (an indexed
/// behaviour tag: its index range and the tagged members), a stage and inactivity filter (memberships and journey rows),
/// and one region;</item>
/// <item>a broadcast to the 10,000 members tagged "reactivate": sends/s from the POST until every message was delivered
/// (logged once by the local runner), and storage requests per send, next to raw queue sends and table upserts per
/// second measured in the same run with 32 clients;</item>
/// <item>erasure of one lead with a long history (--days purchases through the API, each with its points entry).</item>
/// </list>
/// </summary>
internal static class SegmentBenchmark
{
    private const int Broadcast = 10_000;
    private static readonly string[] Regions = ["north", "south", "east", "west"];
    private static readonly string[] Reactivate = ["reactivate"];

    public static async Task RunAsync(BenchOptions options)
    {
        var stores = options.Stores;
        var leads = options.Leads;
        Console.Error.WriteLine($"segment benchmark: {stores} stores, {leads} members");
        await using var azurite = await AzuriteServer.StartAsync();
        // Daytime where the stores are: a broadcast defers leads in their store's quiet hours (21:00-09:00).
        var zone = DaytimeZone();
        await using var app = await BenchApp.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__MaxPollingIntervalMs"] = "200",
            ["Broadcasts__MaxPerLead"] = "100",
        });
        using var hq = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        hq.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("hq"));
        var seeding = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, stores), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (s, ct) =>
            (await hq.PutAsJsonAsync($"/api/stores/g{s}", new { name = $"Store {s}", region = Regions[s % Regions.Length], timeZone = zone }, ct)).EnsureSuccessStatusCode());
        await SeedMembersAsync(new TableClient(azurite.ConnectionString, "stores"), stores, leads);
        Console.Error.WriteLine($"seeded in {seeding.Elapsed.TotalSeconds:F0} s");

        var previews = new List<string>();
        foreach (var (name, body) in new (string, object)[]
        {
            ("everyone (chain)", new { }),
            ("dormant: tag did:go-dormant (chain, indexed)", new { filter = new { tagsAll = new[] { "did:go-dormant" } } }),
            ("stage dormant and inactive 14 days (chain)", new { filter = new { stages = new[] { "dormant" }, inactiveForDays = 14 } }),
            ("everyone in one region", new { scope = new { kind = "region", region = "north" } }),
        })
        {
            var runs = new List<(double Ms, JsonElement Answer)>();
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await hq.PostAsJsonAsync("/api/segments/preview", body);
                response.EnsureSuccessStatusCode();
                runs.Add((clock.Elapsed.TotalMilliseconds, await response.Content.ReadFromJsonAsync<JsonElement>()));
            }
            var median = runs.OrderBy(r => r.Ms).ElementAt(1);
            previews.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {median.Answer.GetProperty("count").GetInt32():N0} | {median.Answer.GetProperty("stores").GetInt32()} | {median.Answer.GetProperty("rowsRead").GetInt64():N0} | {median.Ms:F0} |"));
            Console.Error.WriteLine(previews[^1]);
        }

        var (queueRate, tableRate) = await RawRatesAsync(azurite.ConnectionString);
        var (sent, elapsed, appPerSend, enginePerSend) = await BroadcastAsync(hq);
        var (erasedRows, erasure) = await ErasureAsync(app, hq, options.Days);

        Console.WriteLine();
        Console.WriteLine($"Segments benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {stores} stores, {leads:N0} members");
        Console.WriteLine();
        Console.WriteLine("| segment preview | leads | stores read | rows read | ms (median of 3) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var line in previews) Console.WriteLine(line);
        Console.WriteLine();
        Console.WriteLine("| broadcast to the tagged | sent | s | sends/s | app requests a send | engine requests a send | raw queue sends/s | raw table upserts/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {Broadcast:N0} leads | {sent:N0} | {elapsed.TotalSeconds:F1} | {sent / elapsed.TotalSeconds:F0} | {appPerSend:F2} | {enginePerSend:F2} | {queueRate:F0} | {tableRate:F0} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Erasure of a lead with {options.Days} purchases (and their points entries): {erasure.TotalMilliseconds:F0} ms, {erasedRows}. App peak memory (VmHWM): {app.PeakMemoryMb():F0} MB."));
    }

    /// <summary>A time zone (whole hours from UTC) where it is between 10:00 and 16:00 now.</summary>
    private static string DaytimeZone()
    {
        var hour = DateTime.UtcNow.Hour;
        var offset = Enumerable.Range(-12, 27).First(o => (hour + o + 24) % 24 is >= 10 and <= 16);
        // Etc/GMT zones have the POSIX sign: Etc/GMT-8 is UTC+8.
        return offset == 0 ? "UTC" : $"Etc/GMT{(offset > 0 ? "-" : "+")}{Math.Abs(offset)}";
    }

    /// <summary>
    /// Each store's members, a tenth of them dormant (stage, the did:go-dormant tag and its index row) and the first
    /// 10,000 of the chain tagged "reactivate" (with index rows), in transactions of up to 100 rows of a partition.
    /// </summary>
    private static async Task SeedMembersAsync(TableClient table, int stores, int leads)
    {
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, stores), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (s, ct) =>
        {
            var storeId = $"g{s}";
            var rows = new List<TableEntity>();
            for (var i = s; i < leads; i += stores)
            {
                var leadId = $"{i:x32}";
                var dormant = i % 10 == 0;
                var tags = new List<string> { "channel:till" };
                if (dormant) tags.Add("did:go-dormant");
                if (i < Broadcast) tags.Add("reactivate");
                var lastSeen = now.AddDays(dormant ? -30 : -2);
                rows.Add(StoreRows.Member(storeId, new Member(leadId, "c1", null, "till", lastSeen, lastSeen, "c1", [], tags, [], null, true, i % 3 == 0 ? 1 : 0,
                    i % 3 == 0 ? lastSeen : null, Spent: i % 3 == 0 ? 120m : 0)));
                rows.Add(new TableEntity(storeId, JourneyRows.JourneyKey(leadId)) { ["Stage"] = dormant ? "dormant" : "awareness", ["LastEngagedAt"] = lastSeen });
                foreach (var tag in tags.Where(Funnel.Core.Audience.LeadTags.IsIndexed))
                {
                    rows.Add(new TableEntity(storeId, Funnel.App.Audience.TagStore.IndexKey(tag, leadId)) { ["LeadId"] = leadId, ["Tag"] = tag, ["At"] = lastSeen, ["By"] = "bench" });
                }
            }
            foreach (var chunk in rows.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct);
            }
        });
    }

    /// <summary>What storage itself does here with 32 clients: queue sends and table upserts a second (2,000 each).</summary>
    private static async Task<(double Queue, double Table)> RawRatesAsync(string connectionString)
    {
        var queue = new QueueClient(connectionString, "bench-raw");
        await queue.CreateIfNotExistsAsync();
        var table = new TableClient(connectionString, "benchraw");
        await table.CreateIfNotExistsAsync();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 32 };
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), options, async (i, ct) => await queue.SendMessageAsync($"message {i}", ct));
        var queueRate = 2000 / clock.Elapsed.TotalSeconds;
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), options, async (i, ct) =>
            await table.UpsertEntityAsync(new TableEntity("p" + (i % 50), $"r{i}") { ["Status"] = "queued" }, cancellationToken: ct));
        return (queueRate, 2000 / clock.Elapsed.TotalSeconds);
    }

    private static async Task<(int Sent, TimeSpan Elapsed, double App, double Engine)> BroadcastAsync(HttpClient hq)
    {
        (await hq.PostAsJsonAsync("/api/segments", new { segmentId = "reactivate", name = "Re-activate", filter = new { tagsAll = Reactivate } })).EnsureSuccessStatusCode();
        var before = await BenchApp.StorageSplitAsync(hq);
        var clock = Stopwatch.StartNew();
        (await hq.PostAsJsonAsync("/api/broadcasts", new { broadcastId = "bench", segmentId = "reactivate", text = "We miss you at {store}" })).EnsureSuccessStatusCode();
        JsonElement report;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            report = await hq.GetFromJsonAsync<JsonElement>("/api/broadcasts/bench");
            Console.Error.WriteLine($"  {clock.Elapsed.TotalSeconds:F0} s: {report.GetProperty("status").GetString()}, queued {report.GetProperty("queued").GetInt32()}, sent {report.GetProperty("sent").GetInt32()}");
        }
        while ((report.GetProperty("status").GetString() != "done" || report.GetProperty("delivering").GetInt32() > 0) && clock.Elapsed < TimeSpan.FromMinutes(20));
        var elapsed = clock.Elapsed;
        var after = await BenchApp.StorageSplitAsync(hq);
        var sent = report.GetProperty("sent").GetInt32();
        // The report polls are the app's requests too (a range query over the targets each): counted in, and said so in docs/benchmarks.md.
        return (sent, elapsed, (after.App - before.App) / (double)Math.Max(1, sent), (after.Engine - before.Engine) / (double)Math.Max(1, sent));
    }

    /// <summary>One lead with <paramref name="purchases"/> purchases (each a purchase record and a points entry), then erased: its time and what went.</summary>
    private static async Task<(string Rows, TimeSpan Elapsed)> ErasureAsync(BenchApp app, HttpClient hq, int purchases)
    {
        (await hq.PutAsJsonAsync("/api/programme/points", new { joining = 10, perUnitAmount = 1m })).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(31)); // the rules take effect 30 s after they are saved
        var code = (await (await hq.PostAsJsonAsync("/api/stores/g0/codes", new { channel = "till" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        var lead = (await (await hq.PostAsJsonAsync("/api/scans", new { code, shopperId = "long-history" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("leadId").GetString()!;
        using var pos = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        pos.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await BenchApp.DevTokenAsync("pos", "g0"));
        await Parallel.ForEachAsync(Enumerable.Range(0, purchases), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            (await pos.PostAsJsonAsync("/api/purchases", new
            {
                purchaseId = $"long-{i}", storeId = "g0", shopperId = "long-history", amount = 10m, currency = "CNY",
                items = new[] { new { sku = "TEA", qty = 1, price = 10m } }, purchasedAt = DateTimeOffset.UtcNow,
            }, ct)).EnsureSuccessStatusCode());
        var points = await WaitForPointsAsync(hq, lead, purchases + 1);
        var clock = Stopwatch.StartNew();
        (await hq.DeleteAsync($"/api/leads/{lead}")).EnsureSuccessStatusCode();
        var elapsed = clock.Elapsed;
        var audit = await hq.GetFromJsonAsync<JsonElement>($"/api/audit?leadId={lead}");
        var detail = audit.GetProperty("entries").EnumerateArray().Last(e => e.GetProperty("action").GetString() == "lead.erase").GetProperty("detail").GetString();
        return ($"{detail} ({points} points entries)", elapsed);
    }

    private static async Task<int> WaitForPointsAsync(HttpClient hq, string lead, int entries)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            var total = (await hq.GetFromJsonAsync<JsonElement>($"/api/leads/{lead}/points?limit=1")).GetProperty("total").GetInt32();
            if (total >= entries) return total;
            await Task.Delay(500);
        }
        throw new TimeoutException($"The lead's {entries} points entries did not arrive.");
    }
}
