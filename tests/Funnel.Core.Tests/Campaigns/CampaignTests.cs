using System.Text;
using Funnel.Core.Campaigns;

namespace Funnel.Core.Tests.Campaigns;

public sealed class ExecutionReportTests
{
    private static readonly DateTimeOffset Pushed = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_AStoreExecutesWhenEveryAssetIsPosted_AndIsChasedOnlyAfterTheDeadline()
    {
        List<Assignment> rows =
        [
            new("s1", "east", "a", AssignmentStatus.Posted), new("s1", "east", "b", AssignmentStatus.Posted),
            new("s2", "east", "a", AssignmentStatus.Posted), new("s2", "east", "b", AssignmentStatus.Downloaded),
            new("s3", "west", "a", AssignmentStatus.Assigned), new("s3", "west", "b", AssignmentStatus.Posted),
        ];

        var early = ExecutionReport.Create(rows, Pushed, TimeSpan.FromHours(24), Pushed.AddHours(23));
        var late = ExecutionReport.Create(rows, Pushed, TimeSpan.FromHours(24), Pushed.AddHours(24));

        Assert.Equal((3, 2, 1, 0.3333), (early.Targeted, early.Downloaded, early.Posted, early.ExecutionRate));
        Assert.Equal(new RegionExecution("east", 2, 2, 1, 0.5), early.ByRegion[0]);
        Assert.Equal(new RegionExecution("west", 1, 0, 0, 0), early.ByRegion[1]);
        Assert.Empty(early.NotExecuted);
        Assert.Equal(["s2", "s3"], late.NotExecuted);
    }

    [Fact]
    public void Create_NothingPushed_IsAnEmptyReportWithoutARate()
    {
        var report = ExecutionReport.Create([], null, TimeSpan.FromHours(24), Pushed);

        Assert.Equal(0, report.Targeted);
        Assert.Null(report.ExecutionRate);
        Assert.Empty(report.NotExecuted);
    }

    [Theory]
    [InlineData("image/png", true)]
    [InlineData("image/jpeg; charset=binary", true)]
    [InlineData("video/mp4", true)]
    [InlineData("application/pdf", true)]
    [InlineData("text/plain", true)]
    [InlineData("image/svg+xml", false)]
    [InlineData("text/html", false)]
    [InlineData("application/octet-stream", false)]
    [InlineData(null, false)]
    public void AssetTypes_AllowImagesVideoPdfAndText(string? type, bool allowed) => Assert.Equal(allowed, AssetTypes.IsAllowed(type));
}

public sealed class ShareLinksTests
{
    private static readonly ShareLinks Links = new(Encoding.UTF8.GetBytes("a-signing-key-of-at-least-32-bytes!!"));
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly ShareLink Link = new("spring", "asset1", "s1", "c1", new string('a', 32), Now.AddDays(1));

    [Fact]
    public void Sign_ThenVerify_GivesTheLinkBack()
    {
        Assert.True(Links.TryVerify(Links.Sign(Link), Now, out var link, out _));
        Assert.Equal(Link with { ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(Link.ExpiresAt.ToUnixTimeSeconds()) }, link);
    }

    [Fact]
    public void Verify_AlteredForeignOrExpired_IsRefusedWithAReason()
    {
        var token = Links.Sign(Link);
        var other = new ShareLinks(Encoding.UTF8.GetBytes("another-signing-key-of-32-bytes!!!!"));

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var tampered = Links.Sign(Link with { StoreId = "s2" })[..dot] + token[dot..]; // another store's payload, this signature
        Assert.False(Links.TryVerify(tampered, Now, out _, out var altered));
        Assert.False(other.TryVerify(token, Now, out _, out var foreign));
        Assert.False(Links.TryVerify(token, Now.AddDays(2), out _, out var expired));
        Assert.False(Links.TryVerify("garbage", Now, out _, out var garbage));

        Assert.Contains("altered", altered, StringComparison.Ordinal);
        Assert.Contains("altered", foreign, StringComparison.Ordinal);
        Assert.Contains("expired", expired, StringComparison.Ordinal);
        Assert.Contains("not a Funnel share link", garbage, StringComparison.Ordinal);
    }
}
