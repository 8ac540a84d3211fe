using System.Text.Json;
using System.Text.Json.Serialization;

namespace Funnel.Core.Campaigns;

/// <summary>How far a store got with an asset: it was assigned, then downloaded, then posted (an ack never moves it back).</summary>
[JsonConverter(typeof(AssignmentStatusJsonConverter))]
public enum AssignmentStatus
{
    Assigned,
    Downloaded,
    Posted,
}

/// <summary>A status travels in JSON as its name ("posted"), as everywhere else in the API, never as a number.</summary>
public sealed class AssignmentStatusJsonConverter() : JsonStringEnumConverter<AssignmentStatus>(JsonNamingPolicy.CamelCase);

public static class AssignmentStatuses
{
    public static string Name(this AssignmentStatus s) => s switch
    {
        AssignmentStatus.Assigned => "assigned",
        AssignmentStatus.Downloaded => "downloaded",
        AssignmentStatus.Posted => "posted",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static bool TryParse(string? text, out AssignmentStatus status)
    {
        foreach (var s in Enum.GetValues<AssignmentStatus>())
        {
            if (s.Name() == text)
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }
}

/// <summary>One store's assignment of one asset, as the campaign sees it.</summary>
public sealed record Assignment(string StoreId, string Region, string AssetId, AssignmentStatus Status);

public sealed record StoreExecution(string StoreId, string Region, AssignmentStatus Status, int Assets, int Posted);

public sealed record RegionExecution(string Region, int Targeted, int Downloaded, int Posted, double? ExecutionRate);

/// <summary>
/// A campaign's execution: a store has downloaded when every asset assigned to it was downloaded (or posted), and
/// has executed when every one was posted. The execution rate is executed ÷ targeted stores. Stores not executed
/// <c>chaseAfter</c> past the push are the ones to chase (none before then).
/// </summary>
public sealed record ExecutionReport(int Targeted, int Downloaded, int Posted, double? ExecutionRate,
    IReadOnlyList<RegionExecution> ByRegion, IReadOnlyList<StoreExecution> ByStore, IReadOnlyList<string> NotExecuted)
{
    public static ExecutionReport Create(IEnumerable<Assignment> assignments, DateTimeOffset? pushedAt, TimeSpan chaseAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var stores = assignments.GroupBy(a => a.StoreId, StringComparer.Ordinal)
            .Select(g => new StoreExecution(g.Key, g.First().Region, g.Min(a => a.Status), g.Count(), g.Count(a => a.Status == AssignmentStatus.Posted)))
            .OrderBy(s => s.StoreId, StringComparer.Ordinal)
            .ToList();
        var regions = stores.GroupBy(s => s.Region, StringComparer.Ordinal)
            .Select(g => Region(g.Key, [.. g]))
            .OrderBy(r => r.Region, StringComparer.Ordinal)
            .ToList();
        var total = Region("", stores);
        var chase = pushedAt is { } at && now >= at + chaseAfter
            ? stores.Where(s => s.Status != AssignmentStatus.Posted).Select(s => s.StoreId).ToList()
            : [];
        return new ExecutionReport(total.Targeted, total.Downloaded, total.Posted, total.ExecutionRate, regions, stores, chase);
    }

    private static RegionExecution Region(string region, List<StoreExecution> stores)
    {
        var posted = stores.Count(s => s.Status == AssignmentStatus.Posted);
        return new RegionExecution(region, stores.Count, stores.Count(s => s.Status >= AssignmentStatus.Downloaded), posted,
            Funnels.Rate.Of(posted, stores.Count));
    }
}

/// <summary>The content types HQ may upload: images, video, PDF and plain text (what stores post).</summary>
public static class AssetTypes
{
    public static bool IsAllowed(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return false;
        var type = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return type.StartsWith("image/", StringComparison.Ordinal) && type != "image/svg+xml" // SVG can carry script
            || type.StartsWith("video/", StringComparison.Ordinal)
            || type is "application/pdf" or "text/plain" or "text/markdown" or "text/csv";
    }

    public const string Described = "images (except SVG), video, PDF, or plain text (text/plain, text/markdown, text/csv)";

    /// <summary>The media ranges <see cref="IsAllowed"/> accepts, as the API document lists them (image/* without SVG).</summary>
    public static readonly IReadOnlyList<string> MediaRanges = ["image/*", "video/*", "application/pdf", "text/plain", "text/markdown", "text/csv"];
}
