using Funnel.Core.Leads;

namespace Funnel.Core.Tests.Leads;

public sealed class ShopperIdentityTests
{
    [Theory]
    [InlineData("+8613800138000")]
    [InlineData("+86 138 0013 8000")]
    [InlineData("(+86) 138-0013-8000")]
    [InlineData("13800138000")]
    [InlineData(" 138 0013 8000 ")]
    [InlineData("0086 13800138000")]
    public void Every_spelling_of_a_phone_number_is_one_identity(string typed) =>
        Assert.Equal("+8613800138000", ShopperIdentity.Normalize(typed, "CN"));

    [Fact]
    public void A_number_without_country_code_is_read_in_the_stores_country() =>
        Assert.Equal(("+85291234567", "+8613800138000"), (ShopperIdentity.Normalize("9123 4567", "HK"), ShopperIdentity.Normalize("+86 138 0013 8000", "HK")));

    [Theory]
    [InlineData("wx-open-id-123")]
    [InlineData("o6_bmjrPTlm6_2sgVt7hMZOPfL2M")]
    [InlineData("Ana")]
    [InlineData("12345")]
    [InlineData("138 0013 80001 2")]
    public void What_is_not_a_valid_phone_number_is_only_trimmed(string typed) =>
        Assert.Equal(typed.Trim(), ShopperIdentity.Normalize("  " + typed + " ", "CN"));

    [Theory]
    [InlineData("CN", true)]
    [InlineData("HK", true)]
    [InlineData("cn", false)]
    [InlineData("XX", false)]
    [InlineData("CHN", false)]
    public void Regions_are_iso_codes_the_library_knows(string region, bool supported) => Assert.Equal(supported, ShopperIdentity.IsSupportedRegion(region));
}
