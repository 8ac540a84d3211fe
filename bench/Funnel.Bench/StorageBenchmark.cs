using System.Globalization;
using Azure.Data.Tables;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>
/// What each kind of Table request costs Azurite, relative to a single-entity upsert: the app's design
/// choices (point reads, entity-group transactions of various sizes) are weighed with these numbers.
/// </summary>
internal static class StorageBenchmark
{
    public static async Task RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "ops");
        await table.CreateIfNotExistsAsync();
        for (var c = 0; c < options.Clients; c++) await table.UpsertEntityAsync(Entity($"p{c}", "hit"));

        var duration = options.PhaseDuration;
        var cases = new (string Name, Func<int, long, Task<bool>> Op)[]
        {
            ("upsert, 1 entity", async (c, i) => { await table.UpsertEntityAsync(Entity($"p{c}", Key(i))); return true; }),
            ("point read, found", async (c, _) => (await table.GetEntityIfExistsAsync<TableEntity>($"p{c}", "hit")).HasValue),
            ("point read, not found", async (c, i) => !(await table.GetEntityIfExistsAsync<TableEntity>($"p{c}", "miss" + Key(i))).HasValue),
            ("transaction, 1 entity", (c, i) => Batch(table, c, i, 1)),
            ("transaction, 2 entities", (c, i) => Batch(table, c, i, 2)),
            ("transaction, 5 entities", (c, i) => Batch(table, c, i, 5)),
            ("transaction, 20 entities", (c, i) => Batch(table, c, i, 20)),
        };
        Console.WriteLine($"Azurite request costs, {options.Clients} clients, {duration.TotalSeconds:F0} s each");
        Console.WriteLine();
        Console.WriteLine("| request | requests/s | entities/s | azurite CPU ms per request | × upsert |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        double? upsertCost = null;
        var sizes = new[] { 1, 1, 1, 1, 2, 5, 20 };
        for (var k = 0; k < cases.Length; k++)
        {
            var cpu = CpuMeter.Seconds(azurite.ProcessId);
            var result = await Load.RunAsync(options.Clients, duration, cases[k].Op);
            var costMs = (CpuMeter.Seconds(azurite.ProcessId) - cpu) * 1000 / result.Operations;
            upsertCost ??= costMs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {cases[k].Name} | {result.PerSecond:F0} | {result.PerSecond * sizes[k]:F0} | {costMs:F2} | {costMs / upsertCost:F1} |"));
        }
    }

    private static async Task<bool> Batch(TableClient table, int client, long i, int entities)
    {
        var actions = Enumerable.Range(0, entities)
            .Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity($"b{client}", $"{Key(i)}-{e}")))
            .ToList();
        await table.SubmitTransactionAsync(actions);
        return true;
    }

    private static string Key(long i) => i.ToString("D10", CultureInfo.InvariantCulture);

    private static TableEntity Entity(string pk, string rk) => new(pk, rk)
    {
        ["LeadId"] = "0123456789abcdef0123456789abcdef",
        ["At"] = DateTimeOffset.UnixEpoch,
        ["Channel"] = "till",
    };
}
