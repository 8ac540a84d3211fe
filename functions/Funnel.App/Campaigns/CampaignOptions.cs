using System.ComponentModel.DataAnnotations;

namespace Funnel.App.Campaigns;

/// <summary>Settings under "Campaigns".</summary>
internal sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    /// <summary>Largest asset accepted, in MB (under the Functions host its own request limit, 100 MB by default, applies too).</summary>
    [Range(1, 5000)]
    public int MaxAssetMb { get; set; } = 200;

    /// <summary>How long a download URL (read-only SAS) stays valid, in seconds (default 1 h).</summary>
    [Range(1, 86_400)]
    public int DownloadUrlSeconds { get; set; } = 3600;

    /// <summary>Hours after a push when stores that have not posted are listed to chase and get a follow-up task.</summary>
    [Range(1, 24 * 30)]
    public int ChaseAfterHours { get; set; } = 24;

    /// <summary>How long a share link works.</summary>
    [Range(1, 24 * 90)]
    public int ShareLinkHours { get; set; } = 24 * 14;

    public long MaxAssetBytes => MaxAssetMb * 1024L * 1024L;
}
