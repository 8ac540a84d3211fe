using System.Text;
using Funnel.Core.Leads;

namespace Funnel.Core.Tests.Leads;

public sealed class LeadIdHasherTests
{
    private static readonly LeadIdHasher Hasher = new(Encoding.UTF8.GetBytes("a-lead-hash-key-of-enough-length-012345"));

    [Fact]
    public void LeadIdFor_SameShopper_IsStable()
    {
        Assert.Equal(Hasher.LeadIdFor("wx-open-id-123"), Hasher.LeadIdFor("wx-open-id-123"));
    }

    [Fact]
    public void LeadIdFor_SurroundingWhitespace_IsIgnored()
    {
        Assert.Equal(Hasher.LeadIdFor("+8613800000000"), Hasher.LeadIdFor("  +8613800000000 "));
    }

    [Fact]
    public void LeadIdFor_DifferentShoppers_Differ()
    {
        Assert.NotEqual(Hasher.LeadIdFor("a"), Hasher.LeadIdFor("b"));
    }

    [Fact]
    public void LeadIdFor_IsHexAndDoesNotContainTheIdentity()
    {
        var id = Hasher.LeadIdFor("13800000000");

        Assert.True(LeadIdHasher.LooksLikeLeadId(id));
        Assert.DoesNotContain("13800000000", id, StringComparison.Ordinal);
    }

    [Fact]
    public void LeadIdFor_AnotherKey_GivesAnotherId()
    {
        var other = new LeadIdHasher(Encoding.UTF8.GetBytes("another-lead-hash-key-of-enough-length!"));

        Assert.NotEqual(Hasher.LeadIdFor("shopper"), other.LeadIdFor("shopper"));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", false)]
    [InlineData("0123", false)]
    [InlineData(null, false)]
    public void LooksLikeLeadId_ChecksShape(string? text, bool expected) =>
        Assert.Equal(expected, LeadIdHasher.LooksLikeLeadId(text));
}
