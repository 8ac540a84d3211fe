using System.Globalization;
using Funnel.Core;
using QRCoder;

namespace Funnel.Dev.Demo;

/// <summary>One store of the demo chain, with the codes its shoppers scan (filled in by seeding).</summary>
internal sealed class ChainStore(string storeId, string name, string region, IReadOnlyList<string> clerkIds)
{
    public string StoreId { get; } = storeId;
    public string Name { get; } = name;
    public string Region { get; } = region;
    public IReadOnlyList<string> ClerkIds { get; } = clerkIds;

    /// <summary>The store's own code (the poster at the door), tagged with the campaign.</summary>
    public string StoreCode { get; set; } = "";

    /// <summary>Each clerk's code (shown at the till or the shelf).</summary>
    public Dictionary<string, string> ClerkCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>The code of the store's KOC, once one is promoted (see <see cref="DemoPoints"/>).</summary>
    public string? KocCode { get; set; }

    /// <summary>That KOC's lead id.</summary>
    public string? KocLeadId { get; set; }

    /// <summary>The share code of the store's second lead, once it shared (see <see cref="DemoPoints"/>).</summary>
    public string? ShareCode { get; set; }
}

/// <summary>The chain the demo seeds: store ids like <c>north-01</c>, clerks <c>c1..cN</c>, one campaign with one poster.</summary>
internal static class DemoChain
{
    public const string CampaignId = "demo-trial-week";
    public const string CampaignName = "Guided trial week";
    public const string AssetName = "trial-week-poster.png";

    private static readonly string[] RegionNames = ["north", "south", "east", "west", "central", "coast", "inland", "metro"];

    private static readonly string[] ClerkNames =
    [
        "Li Na", "Wang Fang", "Zhang Wei", "Liu Yang", "Chen Jing", "Yang Min", "Zhao Lei", "Huang Li", "Zhou Jie", "Wu Xia", "Xu Ming", "Sun Hui",
    ];

    public static string RegionName(int index) =>
        index < RegionNames.Length ? RegionNames[index] : string.Create(CultureInfo.InvariantCulture, $"region-{index + 1}");

    /// <summary>Stores dealt round-robin over the regions, numbered within their region: north-01, south-01, …, north-02, …</summary>
    public static List<ChainStore> Create(DemoOptions options)
    {
        var stores = new List<ChainStore>(options.Stores);
        for (var i = 0; i < options.Stores; i++)
        {
            var region = RegionName(i % options.Regions);
            var number = i / options.Regions + 1;
            var id = string.Create(CultureInfo.InvariantCulture, $"{region}-{number:00}");
            var name = string.Create(CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(region[0])}{region[1..]} {number:00}");
            var clerks = Enumerable.Range(1, options.Clerks).Select(c => string.Create(CultureInfo.InvariantCulture, $"c{c}")).ToList();
            stores.Add(new ChainStore(id, name, region, clerks));
        }
        return stores;
    }

    public static string ClerkName(int storeIndex, int clerkIndex, int clerksPerStore) =>
        ClerkNames[(storeIndex * clerksPerStore + clerkIndex) % ClerkNames.Length];

    /// <summary>
    /// The campaign's poster: a PNG made here (the app refuses SVG, which can carry script), a QR code of the
    /// campaign's message. The same bytes every run, so uploading it again is a recognised duplicate.
    /// </summary>
    public static byte[] Poster()
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode("Guided trial week: scan at the till, join the store's group, book a hands-on trial.", QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(8);
    }

    /// <summary>True when every id the chain uses is one the API accepts (a region name from --regions could be odd).</summary>
    public static bool IdsAreValid(IEnumerable<ChainStore> stores) =>
        stores.All(s => Ids.IsValid(s.StoreId) && Ids.IsValid(s.Region) && s.ClerkIds.All(Ids.IsValid));
}
