using Funnel.Testing;
using System.Net;
using System.Text;
using Funnel.App.Tests.Infrastructure;
using Funnel.Core.WeCom;

namespace Funnel.App.Tests.WeCom;

/// <summary>GET/POST /wecom/callback: WeCom's URL check and its signed, encrypted events; everything else a 4xx that changes nothing.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WeComCallbackTests(AzuriteFixture azurite)
{
    private const string CorpId = WeComStandIn.CorpId;
    private const string Token = WeComStandIn.CallbackToken;
    private const string AesKey = WeComStandIn.CallbackAesKey;
    private static readonly CallbackCrypto WeCom = WeComStandIn.Callbacks;

    private const string CustomerAdded = """
        <xml><ToUserName><![CDATA[ww-funnel-test]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
        <CreateTime>1795428000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>
        <ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[clerk-1]]></UserID>
        <ExternalUserID><![CDATA[wmExternal1]]></ExternalUserID><State><![CDATA[s1c1]]></State><WelcomeCode><![CDATA[WELCOME]]></WelcomeCode></xml>
        """;

    private FunnelAppFactory App() => new(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
    {
        ["WeCom:CorpId"] = CorpId,
        ["WeCom:Token"] = Token,
        ["WeCom:EncodingAesKey"] = AesKey,
    });

    private static string Query(FunnelAppFactory app, string encrypted, long skewSeconds = 0) =>
        WeComStandIn.SignedQuery(encrypted, app.Time.GetUtcNow().ToUnixTimeSeconds() + skewSeconds, "n1");

    private static StringContent Envelope(string encrypted) => new(WeComStandIn.Envelope(encrypted), Encoding.UTF8, "text/xml");

    [Fact]
    public async Task UrlCheck_AnswersTheEchoStringsPlaintext()
    {
        await using var app = App();
        var echo = WeCom.Encrypt("8364502123658291");

        var response = await app.Anonymous().GetAsync($"/wecom/callback?{Query(app, echo)}&echostr={Uri.EscapeDataString(echo)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("8364502123658291", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignedEvent_IsAccepted_AndAnUnknownOneIsIgnored()
    {
        await using var app = App();
        var added = WeCom.Encrypt(CustomerAdded);
        var unknown = WeCom.Encrypt("<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[something_new]]></Event></xml>");

        var accepted = await app.Anonymous().PostAsync($"/wecom/callback?{Query(app, added)}", Envelope(added));
        var ignored = await app.Anonymous().PostAsync($"/wecom/callback?{Query(app, unknown)}", Envelope(unknown));

        Assert.Equal((HttpStatusCode.OK, ""), (accepted.StatusCode, await accepted.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
    }

    [Fact]
    public async Task BadRequests_AreRefusedWithAProblemThatSaysWhy()
    {
        await using var app = App();
        var client = app.Anonymous();
        var added = WeCom.Encrypt(CustomerAdded);
        // A fixed random prefix: the flipped byte then fails the padding on every run (with a random one, 1 run in ~256
        // would decrypt to valid padding and fail the receive id instead).
        var tampered = Convert.FromBase64String(WeCom.Encrypt(CustomerAdded, new byte[16]));
        tampered[^1] ^= 1;
        var tamperedText = Convert.ToBase64String(tampered);
        var otherCorp = new CallbackCrypto(Token, AesKey, "ww-another-corp").Encrypt(CustomerAdded);
        var notAMessage = WeCom.Encrypt("hello");
        var wrongSignature = Query(app, added).Replace("msg_signature=", "msg_signature=0", StringComparison.Ordinal);

        (HttpStatusCode Status, string Detail)[] expected =
        [
            (HttpStatusCode.BadRequest, "lacks msg_signature, timestamp, nonce"),
            (HttpStatusCode.Unauthorized, "not the signature of this request"),
            (HttpStatusCode.BadRequest, "does not decrypt"),
            (HttpStatusCode.Forbidden, "another corp"),
            (HttpStatusCode.BadRequest, "more than the 300 s"),
            (HttpStatusCode.BadRequest, "more than the 300 s"),
            (HttpStatusCode.BadRequest, "not WeCom's callback envelope"),
            (HttpStatusCode.BadRequest, "not a WeCom message"),
            (HttpStatusCode.BadRequest, "lacks echostr"),
        ];
        HttpResponseMessage[] responses =
        [
            await client.PostAsync("/wecom/callback", Envelope(added)),
            await client.PostAsync($"/wecom/callback?{wrongSignature}", Envelope(added)),
            await client.PostAsync($"/wecom/callback?{Query(app, tamperedText)}", Envelope(tamperedText)),
            await client.PostAsync($"/wecom/callback?{Query(app, otherCorp)}", Envelope(otherCorp)),
            await client.PostAsync($"/wecom/callback?{Query(app, added, skewSeconds: -301)}", Envelope(added)),
            await client.PostAsync($"/wecom/callback?{Query(app, added, skewSeconds: 301)}", Envelope(added)),
            await client.PostAsync($"/wecom/callback?{Query(app, added)}", new StringContent("{\"Encrypt\":1}", Encoding.UTF8, "application/json")),
            await client.PostAsync($"/wecom/callback?{Query(app, notAMessage)}", Envelope(notAMessage)),
            await client.GetAsync($"/wecom/callback?{Query(app, added)}"),
        ];

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Status, responses[i].StatusCode);
            Assert.Equal("application/problem+json", responses[i].Content.Headers.ContentType?.MediaType);
            Assert.Contains(expected[i].Detail, (await responses[i].Json(expected[i].Status)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnOversizedBody_Is413()
    {
        await using var app = App();
        var big = new string('A', 70_000);
        var response = await app.Anonymous().PostAsync($"/wecom/callback?{Query(app, big)}", Envelope(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task WithoutWeCom_TheCallbackSaysHowToTurnItOn()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString);
        var response = await app.Anonymous().GetAsync("/wecom/callback?msg_signature=a&timestamp=1&nonce=2&echostr=3");
        Assert.Contains("WeCom__CorpId", (await response.Json(HttpStatusCode.NotFound)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, AesKey, "WeCom:Token")]
    [InlineData(Token, null, "WeCom:EncodingAesKey")]
    [InlineData(Token, "too-short", "WeCom:EncodingAesKey")]
    public async Task WithACorpId_TheAppRefusesToStartWithoutTheCallbackKeys(string? token, string? aesKey, string named)
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["WeCom:CorpId"] = CorpId,
            ["WeCom:Token"] = token,
            ["WeCom:EncodingAesKey"] = aesKey,
        });
        var refused = Record.Exception(() => app.CreateClient());
        Assert.NotNull(refused);
        Assert.Contains(named, refused.ToString(), StringComparison.Ordinal);
    }
}
