using Funnel.Core.Stores;

namespace Funnel.Core.Tests.Stores;

public sealed class StorePolicyTests
{
    [Fact]
    public void LocalDay_UsesTheStoresTimeZone()
    {
        var shanghai = new StorePolicy(200, 20, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var at = new DateTimeOffset(2026, 11, 22, 17, 30, 0, TimeSpan.Zero); // 01:30 on the 23rd in Shanghai

        Assert.Equal(new DateOnly(2026, 11, 23), shanghai.LocalDay(at));
        Assert.Equal(new DateOnly(2026, 11, 22), (shanghai with { TimeZone = TimeZoneInfo.Utc }).LocalDay(at));
    }
}
