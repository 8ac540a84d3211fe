using System.Globalization;
using System.Text;
using Funnel.Core.Codes;

namespace Funnel.Core.Tests.Codes;

public sealed class ShopperSessionsTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a-code-signing-key-of-enough-length-0123");
    private static readonly ShopperSessions Sessions = new(SigningKeys.Legacy(Key));
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T10:00:00Z", CultureInfo.InvariantCulture);
    private static readonly ShopperSession Session = new(new string('b', 32), "s1", Now.AddHours(24));

    [Fact]
    public void Issue_ThenOpen_ReturnsTheLeadStoreAndExpiry()
    {
        Assert.True(Sessions.TryOpen(Sessions.Issue(Session), Now, out var opened, out var error), error);
        Assert.Equal(Session, opened);
    }

    [Fact]
    public void Expired_IsRefused_WithWhatToDo()
    {
        Assert.False(Sessions.TryOpen(Sessions.Issue(Session), Now.AddHours(24), out var opened, out var error));
        Assert.Null(opened);
        Assert.Contains("Scan the store's code again", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Altered_IsRefused()
    {
        var token = Sessions.Issue(Session);
        var other = Sessions.Issue(Session with { LeadId = new string('c', 32) });
        var spliced = token[..token.IndexOf('.', StringComparison.Ordinal)] + other[other.IndexOf('.', StringComparison.Ordinal)..];

        Assert.False(Sessions.TryOpen(spliced, Now, out _, out var error));
        Assert.Contains("signature", error, StringComparison.Ordinal);
    }

    /// <summary>One key signs codes, share links and sessions: the domain keeps each from passing for another.</summary>
    [Fact]
    public void ACodeIsNotASession_NorASessionACode()
    {
        var signer = new CodeSigner(Key);
        var code = signer.Sign(new EntryCode("s1", null, null, "till"));

        Assert.False(Sessions.TryOpen(code, Now, out _, out _));
        Assert.False(signer.TryVerify(Sessions.Issue(Session), out _, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a token")]
    public void Malformed_IsRefused(string? token) => Assert.False(Sessions.TryOpen(token, Now, out _, out _));
}
