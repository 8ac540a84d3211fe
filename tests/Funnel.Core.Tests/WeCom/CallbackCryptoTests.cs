using Funnel.Core.WeCom;

namespace Funnel.Core.Tests.WeCom;

public sealed class CallbackCryptoTests
{
    // The worked example of WeCom's "加解密方案说明" (developer.work.weixin.qq.com/document/path/91144): its URL check.
    private const string Token = "QDG6eK";
    private const string AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string CorpId = "wx5823bf96d3bd56c7";
    private static readonly CallbackCrypto Crypto = new(Token, AesKey, CorpId);

    [Fact]
    public void DocumentedExample_VerifiesAndDecryptsTheEchoString()
    {
        const string echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

        Assert.Equal("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", Crypto.Signature("1409659589", "263014780", echo));
        Assert.Equal(CallbackRefusal.None, Crypto.Open("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echo, out var message));
        Assert.Equal("1616140317555161061", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<xml><Event><![CDATA[change_external_contact]]></Event><State><![CDATA[门店 s1]]></State></xml>")]
    public void RoundTrip_GivesBackTheMessage(string text)
    {
        var encrypted = Crypto.Encrypt(text);
        Assert.Equal(CallbackRefusal.None, Crypto.Open(Crypto.Signature("1700000000", "42", encrypted), "1700000000", "42", encrypted, out var message));
        Assert.Equal(text, message);
    }

    [Fact]
    public void EveryLengthPadsToWholeBlocks()
    {
        for (var length = 0; length < 70; length++)
        {
            var text = new string('x', length);
            Assert.Equal(CallbackRefusal.None, Crypto.Decrypt(Crypto.Encrypt(text), out var message));
            Assert.Equal(text, message);
        }
    }

    [Fact]
    public void AFlippedByte_IsRefusedByTheSignature_AndByThePaddingWhenReSigned()
    {
        // A fixed random prefix, so the outcome of the flip is the same on every run.
        var encrypted = Crypto.Encrypt("<xml><Event><![CDATA[change_external_contact]]></Event></xml>", new byte[16]);
        var signature = Crypto.Signature("1700000000", "42", encrypted);
        var bytes = Convert.FromBase64String(encrypted);
        bytes[^1] ^= 0x01;
        var tampered = Convert.ToBase64String(bytes);

        Assert.Equal(CallbackRefusal.BadSignature, Crypto.Open(signature, "1700000000", "42", tampered, out var message));
        Assert.Null(message);
        // Someone who knew the token could sign it: the last block's padding no longer decrypts.
        Assert.Equal(CallbackRefusal.BadCiphertext, Crypto.Open(Crypto.Signature("1700000000", "42", tampered), "1700000000", "42", tampered, out _));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("AAAA")]
    public void NotACiphertext_IsRefused(string encrypted) =>
        Assert.Equal(CallbackRefusal.BadCiphertext, Crypto.Open(Crypto.Signature("1", "2", encrypted), "1", "2", encrypted, out _));

    [Fact]
    public void ForAnotherCorp_IsRefused()
    {
        var encrypted = new CallbackCrypto(Token, AesKey, "ww-another-corp").Encrypt("<xml/>");
        Assert.Equal(CallbackRefusal.WrongReceiver, Crypto.Open(Crypto.Signature("1", "2", encrypted), "1", "2", encrypted, out _));
    }

    [Theory]
    [InlineData("1700000001", "42")]
    [InlineData("1700000000", "43")]
    public void SignedForOtherParameters_IsRefused(string timestamp, string nonce)
    {
        var encrypted = Crypto.Encrypt("<xml/>");
        Assert.Equal(CallbackRefusal.BadSignature, Crypto.Open(Crypto.Signature("1700000000", "42", encrypted), timestamp, nonce, encrypted, out _));
        Assert.Equal(CallbackRefusal.BadSignature, Crypto.Open(new CallbackCrypto("OtherToken", AesKey, CorpId).Signature(timestamp, nonce, encrypted), timestamp, nonce, encrypted, out _));
    }

    [Theory]
    [InlineData("QDG6eK", "short")]
    [InlineData("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2=")]
    [InlineData("", AesKey)]
    [InlineData("has space", AesKey)]
    public void KeysWeComWouldNotIssue_AreRefusedAtStart(string token, string key) =>
        Assert.Throws<ArgumentException>(() => new CallbackCrypto(token, key, CorpId));
}
