using System.Text;
using Funnel.Core.Campaigns;
using Funnel.Core.Codes;

namespace Funnel.Core.Tests.Codes;

/// <summary>Codes, share links and sessions name the key that signed them, so the key can change without voiding printed codes.</summary>
public sealed class KeyRotationTests
{
    private static readonly byte[] OldKey = Encoding.UTF8.GetBytes("the-key-codes-were-printed-with-0123456");
    private static readonly byte[] NewKey = Encoding.UTF8.GetBytes("the-key-that-replaced-it-abcdefghijklmn");
    private static readonly EntryCode Code = new("s1", "c1", "spring", "till");

    private static SigningKeys Rotated(bool keepOld = true) =>
        new("k2", NewKey, keepOld ? new Dictionary<string, byte[]> { [SigningKeys.LegacyId] = OldKey } : null);

    [Fact]
    public void LegacyKey_SignsWithoutAKeyId_AsCodesWerePrintedBefore()
    {
        var code = new CodeSigner(OldKey).Sign(Code);

        Assert.Equal(2, code.Split('.').Length);
        Assert.True(new CodeSigner(SigningKeys.Legacy(OldKey)).TryVerify(code, out var verified, out var error), error);
        Assert.Equal(Code, verified);
    }

    [Fact]
    public void AfterRotation_NewCodesCarryTheNewKeyId_AndPrintedCodesStillVerify()
    {
        var printed = new CodeSigner(OldKey).Sign(Code);
        var signer = new CodeSigner(Rotated());

        var fresh = signer.Sign(Code);

        Assert.StartsWith("k2.", fresh, StringComparison.Ordinal);
        Assert.True(signer.TryVerify(fresh, out var a, out var e1), e1);
        Assert.True(signer.TryVerify(printed, out var b, out var e2), e2);
        Assert.Equal(Code, a);
        Assert.Equal(Code, b);
    }

    [Fact]
    public void RetiredKey_VoidsItsCodes_WithAReason()
    {
        var printed = new CodeSigner(OldKey).Sign(Code);
        var fresh = new CodeSigner(Rotated()).Sign(Code);

        Assert.False(new CodeSigner(Rotated(keepOld: false)).TryVerify(printed, out _, out var error));
        Assert.Contains("no longer accepts", error, StringComparison.Ordinal);
        Assert.False(new CodeSigner(OldKey).TryVerify(fresh, out _, out error)); // a key id this Funnel never had
        Assert.Contains("no longer accepts", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k3")] // another key id over the same body: the tag covers the id
    [InlineData("0")] // the legacy id is never written out: one spelling per code
    [InlineData("K2")]
    [InlineData("toolongid")]
    public void KeyIdSwappedOrBadlySpelled_IsRefused(string id)
    {
        var fresh = new CodeSigner(Rotated()).Sign(Code);
        var swapped = id + fresh[2..];
        var ring = new SigningKeys("k2", NewKey, new Dictionary<string, byte[]> { [SigningKeys.LegacyId] = OldKey, ["k3"] = NewKey });

        Assert.False(new CodeSigner(ring).TryVerify(swapped, out _, out _));
    }

    [Fact]
    public void ShareLinksAndSessions_FollowTheSameRing()
    {
        var now = DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var link = new ShareLink("cmp", "a1", "s1", "c1", null, now.AddDays(1));
        var printedLink = new ShareLinks(OldKey).Sign(link);
        var session = new ShopperSessions(SigningKeys.Legacy(OldKey)).Issue(new ShopperSession(new string('a', 32), "s1", now.AddHours(1)));

        Assert.True(new ShareLinks(Rotated()).TryVerify(printedLink, now, out _, out var e1), e1);
        Assert.True(new ShopperSessions(Rotated()).TryOpen(session, now, out _, out var e2), e2);
        Assert.StartsWith("k2.", new ShareLinks(Rotated()).Sign(link), StringComparison.Ordinal);
    }

    [Fact]
    public void Ring_RefusesBadIdsShortKeysAndTwiceListedIds()
    {
        Assert.Throws<ArgumentException>(() => new SigningKeys("K2", NewKey));
        Assert.Throws<ArgumentException>(() => new SigningKeys("k2", new byte[15]));
        Assert.Throws<ArgumentException>(() => new SigningKeys("k2", NewKey, new Dictionary<string, byte[]> { ["k2"] = OldKey }));
    }
}
