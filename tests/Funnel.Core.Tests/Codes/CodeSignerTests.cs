using System.Text;
using Funnel.Core.Codes;

namespace Funnel.Core.Tests.Codes;

public sealed class CodeSignerTests
{
    private static readonly CodeSigner Signer = new(Encoding.UTF8.GetBytes("a-code-signing-key-of-enough-length-0123"));

    [Fact]
    public void Sign_ThenVerify_ReturnsTheSameCode()
    {
        var code = new EntryCode("store-1", "clerk_7", "spring.2026", "till");

        Assert.True(Signer.TryVerify(Signer.Sign(code), out var verified, out var error), error);
        Assert.Equal(code, verified);
    }

    [Fact]
    public void Sign_WithoutClerkOrCampaign_RoundTripsNulls()
    {
        var code = new EntryCode("s1", null, null, "door");

        Assert.True(Signer.TryVerify(Signer.Sign(code), out var verified, out _));
        Assert.Null(verified!.ClerkId);
        Assert.Null(verified.CampaignId);
    }

    [Fact]
    public void Sign_IsDeterministicAndUrlSafe()
    {
        var code = new EntryCode("s1", "c1", null, "till");
        var text = Signer.Sign(code);

        Assert.Equal(text, Signer.Sign(code));
        Assert.Matches("^[A-Za-z0-9_.-]+$", text);
    }

    [Fact]
    public void TryVerify_AlteredPayload_IsRejected()
    {
        var text = Signer.Sign(new EntryCode("s1", "c1", null, "till"));
        var forgedPayload = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes("s2|c1||till"));
        var forged = forgedPayload + text[text.IndexOf('.', StringComparison.Ordinal)..];

        Assert.False(Signer.TryVerify(forged, out var code, out var error));
        Assert.Null(code);
        Assert.Contains("signature", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerify_AlteredSignature_IsRejected()
    {
        var text = Signer.Sign(new EntryCode("s1", null, null, "till"));
        var last = text[^1] == 'A' ? 'B' : 'A';

        Assert.False(Signer.TryVerify(text[..^1] + last, out _, out _));
    }

    [Fact]
    public void TryVerify_CodeFromAnotherKey_IsRejected()
    {
        var other = new CodeSigner(Encoding.UTF8.GetBytes("another-code-signing-key-of-enough-len!"));

        Assert.False(Signer.TryVerify(other.Sign(new EntryCode("s1", null, null, "till")), out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-dot-here")]
    [InlineData(".")]
    [InlineData("abc.")]
    [InlineData("!!!.???")]
    public void TryVerify_Garbage_IsRejectedWithAReason(string text)
    {
        Assert.False(Signer.TryVerify(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Constructor_ShortKey_Throws() =>
        Assert.Throws<ArgumentException>(() => new CodeSigner(new byte[8]));

    /// <summary>A code has exactly one valid spelling: padding, white space or other low bits in the last character make it malformed.</summary>
    [Fact]
    public void Only_the_canonical_spelling_verifies()
    {
        var code = Signer.Sign(new EntryCode("store-1", "clerk_7", null, "till"));
        var dot = code.IndexOf('.', StringComparison.Ordinal);
        var last = code[^1];
        var sameBytesOtherBits = code[..^1] + (char)(last + 1); // one of the low bits the decoder ignores (when the last char carries spare bits)
        string[] spellings = [code + "=", code[..dot] + "=" + code[dot..], code.Insert(3, " "), " " + code, code.Insert(dot + 2, "\n")];
        foreach (var spelling in spellings)
        {
            Assert.False(Signer.TryVerify(spelling, out _, out var error), $"{spelling} verified");
            Assert.Contains("format", error, StringComparison.Ordinal);
        }
        Assert.False(Signer.TryVerify(sameBytesOtherBits, out _, out _));
        Assert.True(Signer.TryVerify(code, out _, out _));
    }
}
