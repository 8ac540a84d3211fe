using System.Globalization;

namespace Funnel.Dev.Demo;

/// <summary>What the demo seeds and simulates. Defaults: a 40-store chain in 4 regions, 3 clerks each, one month.</summary>
internal sealed record DemoOptions
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    public Uri Url { get; init; } = new(DefaultUrl);
    public int Stores { get; init; } = 40;
    public int Regions { get; init; } = 4;
    public int Clerks { get; init; } = 3;
    public int Days { get; init; } = 30;

    /// <summary>Fixes the traffic's shape, so two runs with the same seed send the same story (under fresh ids).</summary>
    public int Seed { get; init; } = 20261123;

    /// <summary>Mean scans per store on an ordinary day (weekends get <see cref="DemoRates.WeekendFactor"/>×, the promotion day <see cref="DemoRates.PromotionFactor"/>×).</summary>
    public double ScansPerStorePerDay { get; init; } = DemoRates.ScansPerStorePerDay;

    /// <summary>Requests in flight at once: the machine has 2 cores, shared by Azurite, the app and this client.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>
    /// How long the summary waits before it reports a difference: for journey events still pending, this long without
    /// any of them getting an outcome; for queued purchases to be counted, this long in all.
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Set: the chain runs through WeCom (the app configured for the stand-in at this URL): a shopper recruited through
    /// a clerk's code is a customer that clerk adds on WeCom (the signed, encrypted callback), not a web scan.
    /// </summary>
    public Uri? WeCom { get; init; }

    public const string Usage =
        "usage: demo [--url URL] [--stores N] [--regions N] [--clerks N] [--days N] [--seed N] [--scans-per-day X] [--concurrency N] [--settle-seconds N] [--wecom STAND_IN_URL]\n" +
        $"  defaults: --url {DefaultUrl} --stores 40 --regions 4 --clerks 3 --days 30 --seed 20261123 --scans-per-day 1 --concurrency 8 --settle-seconds 90\n" +
        "  The app must run with Journeys__TimeScale (./run.sh demo starts it so) and raised public rate limits.";

    /// <summary>Reads the command line; null with <paramref name="error"/> set when something is wrong.</summary>
    public static DemoOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var o = new DemoOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[i + 1] : null;
            i++;
            switch (name)
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https":
                    o = o with { Url = url };
                    break;
                case "--stores" when Int(value, 1, 2000) is { } n: o = o with { Stores = n }; break;
                case "--regions" when Int(value, 1, 100) is { } n: o = o with { Regions = n }; break;
                case "--clerks" when Int(value, 1, 50) is { } n: o = o with { Clerks = n }; break;
                // The funnel and leaderboard read at most 366 days; the summary reads the run plus some slack.
                case "--days" when Int(value, 1, 180) is { } n: o = o with { Days = n }; break;
                case "--seed" when Int(value, 0, int.MaxValue) is { } n: o = o with { Seed = n }; break;
                case "--concurrency" when Int(value, 1, 256) is { } n: o = o with { Concurrency = n }; break;
                case "--settle-seconds" when Int(value, 0, 3600) is { } n: o = o with { SettleTimeout = TimeSpan.FromSeconds(n) }; break;
                case "--wecom" when Uri.TryCreate(value, UriKind.Absolute, out var standIn) && standIn.Scheme is "http":
                    o = o with { WeCom = standIn };
                    break;
                case "--scans-per-day" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x is > 0 and <= 1000:
                    o = o with { ScansPerStorePerDay = x };
                    break;
                default:
                    error = value is null ? $"'{name}' needs a value, or is not an option." : $"'{name} {value}' is not a valid option.";
                    return null;
            }
        }
        if (o.Regions > o.Stores)
        {
            error = "--regions must not exceed --stores (every region needs a store).";
            return null;
        }
        return o;
    }

    private static int? Int(string? text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
