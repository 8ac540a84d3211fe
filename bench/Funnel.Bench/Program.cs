using System.Globalization;
using Funnel.Bench;

var scenario = args.FirstOrDefault() ?? "scans";
var options = BenchOptions.Parse(args.Skip(1).ToArray());
switch (scenario)
{
    case "scans":
        await ScanBenchmark.RunAsync(options);
        return 0;
    case "purchases":
        await PurchaseBenchmark.RunAsync(options);
        return 0;
    case "journeys":
        await JourneyBenchmark.RunAsync(options);
        return 0;
    case "campaigns":
        await CampaignBenchmark.RunAsync(options);
        return 0;
    case "storage":
        await StorageBenchmark.RunAsync(options);
        return 0;
    case "pages":
        await PagesBenchmark.RunAsync(options);
        return 0;
    case "wecom":
        await WeComBenchmark.RunAsync(options);
        return 0;
    case "points":
        await PointsBenchmark.RunAsync(options);
        return 0;
    case "kocs":
        await KocBenchmark.RunAsync(options);
        return 0;
    case "segments":
        await SegmentBenchmark.RunAsync(options);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown scenario '{scenario}'. Scenarios: scans, purchases, journeys, campaigns, storage, pages, wecom, points, kocs, segments. Options: --clients N --seconds N --stores N --days N --leads N");
        return 2;
}

internal sealed record BenchOptions(int Clients, TimeSpan PhaseDuration, int Stores, int Days, int Leads = 200)
{
    public static BenchOptions Parse(string[] args)
    {
        int clients = 32, seconds = 15, stores = 100, days = 7, leads = 200;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--clients": clients = value; break;
                case "--seconds": seconds = value; break;
                case "--stores": stores = value; break;
                case "--days": days = value; break;
                case "--leads": leads = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}");
            }
        }
        return new BenchOptions(clients, TimeSpan.FromSeconds(seconds), stores, days, leads);
    }
}
