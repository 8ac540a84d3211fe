using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Funnel.App.Tests.Infrastructure;
using Funnel.Testing;

namespace Funnel.App.Tests.Purchases;

/// <summary>Exactly once through a crash: a backlog is drained by an app process that is killed halfway and started again.</summary>
[Collection(AzuriteCollection.Name)] // not for its Azurite (it starts its own): to run apart from the other integration tests
public sealed class PurchaseCrashTests
{
    private const int Stores = 5;
    private const int Shoppers = 300;
    private const int Unique = 4500;
    private const int Duplicates = 500;

    [Fact]
    public async Task Backlog_AppKilledMidStreamAndRestarted_CountsEveryPurchaseExactlyOnce()
    {
        // An Azurite of its own: the shared one, holding every earlier test's data, drained this backlog at half the pace
        // (a full run once counted 635 sales in the five minutes). No journey worker in the setup app: the process under
        // test runs the journeys the scans start.
        await using var storage = await AzuriteServer.StartAsync();
        await using var setup = new FunnelAppFactory(storage.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = setup.Hq();
        var codes = new List<string>();
        for (var s = 0; s < Stores; s++)
        {
            await hq.CreateStore($"s{s}");
            await hq.CreateClerk($"s{s}", "c0");
            codes.Add(await hq.CreateCode($"s{s}", "c0"));
        }
        var shopper = setup.Anonymous();
        for (var i = 0; i < Shoppers; i++) await (await shopper.Scan(codes[i % Stores], $"shopper-{i}")).Json(HttpStatusCode.OK);

        // 4,500 purchases (60% by scanned shoppers, some at other stores than theirs) and 500 repeats, shuffled.
        var random = new Random(42);
        var at = setup.Time.GetUtcNow().AddHours(2);
        var messages = Enumerable.Range(0, Unique).Select(i => PurchaseFixtures.Message(
            $"p{i}", $"s{random.Next(Stores)}",
            random.NextDouble() < 0.6 ? $"shopper-{random.Next(Shoppers)}" : $"walk-in-{i}",
            Math.Round((decimal)(random.NextDouble() * 500) + 1, 2), at.AddMinutes(i % 600))).ToList();
        messages.AddRange(Enumerable.Range(0, Duplicates).Select(_ => messages[random.Next(Unique)]));
        messages = [.. messages.OrderBy(_ => random.Next())];
        var queue = setup.Queue("purchases");
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (m, ct) => await queue.SendMessageAsync(BinaryData.FromString(m), cancellationToken: ct));

        var settings = setup.ProcessSettings(new Dictionary<string, string>
        {
            ["Triggers__LocalRunner"] = "true",
            ["Triggers__VisibilityTimeoutSeconds"] = "3",
            ["Triggers__MaxPollingIntervalMs"] = "100",
        });
        var dll = Path.Combine(AppContext.BaseDirectory, "Funnel.App.dll");

        await using (var first = await AppProcess.StartAsync(dll, settings))
        {
            // Mid-stream: 500 sales in, of 4,500 (the journeys the scans started run in the same process meanwhile).
            Assert.True(await Eventually.Holds(async () => await SalesCounted(hq) >= 500, TimeSpan.FromMinutes(5)), $"500 sales were not counted within 5 minutes ({await SalesCounted(hq)} were).");
            await first.KillAsync();
        }
        var countedAtTheCrash = await SalesCounted(hq);
        Assert.InRange(countedAtTheCrash, 500, Unique - 1);

        await using (var second = await AppProcess.StartAsync(dll, settings))
        {
            Assert.True(await Eventually.Holds(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, TimeSpan.FromMinutes(8)), "The queue was not drained within 8 minutes.");
        }

        Assert.Empty(await setup.PoisonMessages());
        var records = 0;
        for (var s = 0; s < Stores; s++)
        {
            var storeId = $"s{s}";
            var rows = new List<TableEntity>();
            await foreach (var e in setup.Table("stores").QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {storeId}"))) rows.Add(e);
            var sales = rows.Where(r => r.RowKey.StartsWith("purchase|", StringComparison.Ordinal)).ToList();
            var credits = rows.Where(r => r.RowKey.StartsWith("credit|", StringComparison.Ordinal)).ToList();
            var credited = sales.Where(r => r.GetString("Attribution") == "SameStore").Concat(credits).ToList();
            records += sales.Count;

            var funnel = await hq.Funnel(storeId);
            Assert.All(sales, r => Assert.Equal("complete", r.GetString("Status")));
            Assert.Equal(sales.Count, funnel.GetProperty("storeSales").GetInt64());
            Assert.Equal(sales.Sum(Amount), funnel.GetProperty("storeSalesRevenue").GetDecimal());
            Assert.Equal(credited.Count, funnel.GetProperty("purchases").GetInt64());
            Assert.Equal(credited.Sum(Amount), funnel.GetProperty("revenue").GetDecimal());
            Assert.Equal(credits.Count, funnel.GetProperty("crossStorePurchases").GetInt64());
        }
        Assert.Equal(Unique, records);
    }

    private static decimal Amount(TableEntity row) => decimal.Parse(row.GetString("Amount"), CultureInfo.InvariantCulture);

    private static async Task<long> SalesCounted(HttpClient hq)
    {
        long total = 0;
        for (var s = 0; s < Stores; s++) total += (await hq.Funnel($"s{s}")).GetProperty("storeSales").GetInt64();
        return total;
    }
}
