using System.Text;
using Funnel.Core.WeCom;

namespace Funnel.Core.Tests.WeCom;

public sealed class IdentitySealTests
{
    private static readonly IdentitySeal Seal = new(Encoding.UTF8.GetBytes("a lead-hash key of the tests, 32+ chars"));

    [Fact]
    public void ASealedIdentity_OpensForItsLeadOnly_AndNeverTheSameTwice()
    {
        var sealedOnce = Seal.Seal("lead-1", "wmExternal1");
        Assert.Equal("wmExternal1", Seal.Open("lead-1", sealedOnce));
        Assert.DoesNotContain("wmExternal1", Encoding.UTF8.GetString(Convert.FromBase64String(sealedOnce)), StringComparison.Ordinal);
        Assert.NotEqual(sealedOnce, Seal.Seal("lead-1", "wmExternal1")); // a fresh nonce each time
        Assert.Null(Seal.Open("lead-2", sealedOnce)); // copied to another lead's row
        Assert.Null(new IdentitySeal(Encoding.UTF8.GetBytes("another key entirely, 32+ characters")).Open("lead-1", sealedOnce));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(14)]
    [InlineData(-1)]
    public void AFlippedByte_DoesNotOpen(int index)
    {
        var bytes = Convert.FromBase64String(Seal.Seal("lead-1", "wmExternal1"));
        bytes[index < 0 ? bytes.Length + index : index] ^= 0x01;
        Assert.Null(Seal.Open("lead-1", Convert.ToBase64String(bytes)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AQID")]
    public void WhatIsNotASeal_DoesNotOpen(string? text) => Assert.Null(Seal.Open("lead-1", text));
}
