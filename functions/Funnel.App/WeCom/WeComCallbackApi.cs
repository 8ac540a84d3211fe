using System.Globalization;
using Funnel.App.Extensions;
using Funnel.Core.WeCom;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Funnel.App.WeCom;

/// <summary>
/// WeCom's callback URL, <c>GET/POST /wecom/callback</c> (its own HTTP function): the URL check WeCom makes when the
/// callback is configured (GET: decrypt <c>echostr</c>, answer its plaintext), and the events (POST: the XML envelope's
/// <c>Encrypt</c>). Every request is signed with the app's Token and timed: an unsigned, wrongly signed, stale or
/// undecryptable one gets a 4xx problem and changes nothing. The scheme: <see cref="CallbackCrypto"/>.
/// What each event does: <see cref="WeComEvents"/>. A storage failure while acting on one answers 503, and WeCom
/// delivers the event again (its retries count once).
/// </summary>
internal static class WeComCallbackApi
{
    public const string Route = "/wecom/callback";

    /// <summary>WeCom's events are a few hundred bytes; 64 KB leaves room and refuses what is not one.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapWeComCallback(this IEndpointRouteBuilder app)
    {
        var callback = app.MapGroup(Route).WithTags("WeCom").AllowAnonymous().ExcludeFromDescription();
        callback.MapGet("", VerifyUrl).WithName("WeComVerifyUrl");
        callback.MapPost("", Receive).WithName("WeComCallback").WithRequestSizeLimit(MaxBodyBytes);
        return app;
    }

    internal static Results<ContentHttpResult, ProblemHttpResult> VerifyUrl(HttpRequest request, IOptions<WeComOptions> options, TimeProvider time)
    {
        if (Check(request, options.Value, time, "echostr", out var crypto, out var signed) is { } refused) return refused;
        var echo = request.Query["echostr"].ToString();
        if (Refusal(crypto!.Open(signed.Signature, signed.Timestamp, signed.Nonce, echo, out var plain)) is { } bad) return bad;
        return TypedResults.Text(plain!, "text/plain");
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> Receive(
        HttpRequest request, IOptions<WeComOptions> options, TimeProvider time, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (Check(request, options.Value, time, null, out var crypto, out var signed) is { } refused) return refused;
        using var reader = new StreamReader(request.Body);
        var envelope = CallbackMessage.ReadXml(await reader.ReadToEndAsync(cancellationToken));
        if (envelope is null || CallbackMessage.Text(envelope, "Encrypt") is not { } encrypted)
        {
            return Problems.BadRequest("The body is not WeCom's callback envelope: XML <xml> with an <Encrypt> element holding the base64 ciphertext.");
        }
        if (Refusal(crypto!.Open(signed.Signature, signed.Timestamp, signed.Nonce, encrypted, out var xml)) is { } bad) return bad;
        if (CallbackMessage.Parse(xml!) is not { } message)
        {
            return Problems.BadRequest("The callback decrypted, but its plaintext is not a WeCom message (XML with a MsgType).");
        }
        await services.GetRequiredService<WeComEvents>().HandleAsync(message, cancellationToken);
        // WeCom takes any 200 within its 5 s as received; an empty body is the documented "no passive reply".
        return TypedResults.Text("", "text/plain");
    }

    private readonly record struct Signed(string Signature, string Timestamp, string Nonce);

    /// <summary>The channel is on, the signed parameters are there, and the timestamp is near the app's clock; or why not.</summary>
    private static ProblemHttpResult? Check(HttpRequest request, WeComOptions options, TimeProvider time, string? payload, out CallbackCrypto? crypto, out Signed signed)
    {
        crypto = options.Crypto();
        signed = default;
        if (crypto is null)
        {
            return WeComProblems.ChannelOff();
        }
        string[] names = payload is null ? ["msg_signature", "timestamp", "nonce"] : ["msg_signature", "timestamp", "nonce", payload];
        var missing = names.Where(n => string.IsNullOrEmpty(request.Query[n].ToString())).ToList();
        if (missing.Count > 0)
        {
            return Problems.BadRequest($"A WeCom callback carries {string.Join(", ", names)} in its query; this one lacks {string.Join(", ", missing)}.");
        }
        signed = new Signed(request.Query["msg_signature"].ToString(), request.Query["timestamp"].ToString(), request.Query["nonce"].ToString());
        if (!long.TryParse(signed.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 99_999_999_999)
        {
            return Problems.BadRequest("timestamp is WeCom's Unix time in seconds (digits only).");
        }
        // WeCom stamps real time: under a faster demo clock (Journeys:TimeScale) the check is against the real one.
        var skew = Math.Abs(Journeys.JourneyTimeProvider.RealOf(time).GetUtcNow().ToUnixTimeSeconds() - seconds);
        if (skew > options.CallbackMaxSkewSeconds)
        {
            return Problems.BadRequest($"timestamp is {skew} s from this app's clock, more than the {options.CallbackMaxSkewSeconds} s a callback may be (a replayed request, or a clock to fix: WeCom:CallbackMaxSkewSeconds).");
        }
        return null;
    }

    private static ProblemHttpResult? Refusal(CallbackRefusal refusal) => refusal switch
    {
        CallbackRefusal.None => null,
        CallbackRefusal.BadSignature => Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Callback signature refused",
            "msg_signature is not the signature of this request with this app's Token: the request is not WeCom's, or WeCom__Token differs from the app's callback Token."),
        CallbackRefusal.WrongReceiver => Problems.Forbidden("The callback decrypted for another corp or app than WeCom__CorpId."),
        _ => Problems.BadRequest("The ciphertext does not decrypt with this app's EncodingAESKey (not base64, not whole AES blocks, or bad padding)."),
    };
}
