using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Funnel.Testing;

/// <summary>
/// A local WeCom for the tests: the API endpoints Funnel calls, with the request and answer shapes and the errcodes of
/// WeCom's documentation (access tokens that expire, a frequency limit, "busy"), on a Kestrel port of its own.
/// </summary>
public sealed class WeComStandIn : IAsyncDisposable
{
    public const string CorpId = "ww-funnel-test";
    public const string Secret = "stand-in-secret-0123456789";

    /// <summary>The app's callback Token and EncodingAESKey in the tests, and WeCom's side of the encryption.</summary>
    public const string CallbackToken = "FunnelCallbackToken1";
    public const string CallbackAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public static readonly Funnel.Core.WeCom.CallbackCrypto Callbacks = new(CallbackToken, CallbackAesKey, CorpId);

    /// <summary>
    /// The app's WeCom settings for this stand-in's corp, keyed with <paramref name="separator"/> (":" for configuration,
    /// "__" for a process's environment).
    /// </summary>
    public Dictionary<string, string> AppSettings(string separator = ":") => new()
    {
        [$"WeCom{separator}CorpId"] = CorpId,
        [$"WeCom{separator}Secret"] = Secret,
        [$"WeCom{separator}Token"] = CallbackToken,
        [$"WeCom{separator}EncodingAesKey"] = CallbackAesKey,
        [$"WeCom{separator}BaseUrl"] = BaseUrl,
    };

    /// <summary>The decrypted XML of WeCom's customer-added event (客户联系 → 事件格式).</summary>
    public static string CustomerAdded(string state, string externalUserId, long createTime, string clerkUserId = "c1") => $"""
        <xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
        <CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>
        <ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[{clerkUserId}]]></UserID>
        <ExternalUserID><![CDATA[{externalUserId}]]></ExternalUserID><State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[WELCOME-{createTime}-{externalUserId}]]></WelcomeCode></xml>
        """;

    /// <summary>The decrypted XML of WeCom's customer-group event (change_external_chat: create, update with its detail, dismiss).</summary>
    public static string GroupChanged(string chatId, string changeType, long createTime, string? updateDetail = null) => $"""
        <xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
        <CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>
        <ChatId><![CDATA[{chatId}]]></ChatId><ChangeType><![CDATA[{changeType}]]></ChangeType>{(updateDetail is null ? "" : $"<UpdateDetail><![CDATA[{updateDetail}]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>1</MemChangeCnt>")}</xml>
        """;

    /// <summary>A callback as WeCom posts it: the signed query string and the envelope holding <paramref name="xml"/> encrypted.</summary>
    public static (string Query, string Body) SignedCallback(string xml, long unixSeconds)
    {
        var encrypted = Callbacks.Encrypt(xml);
        return (SignedQuery(encrypted, unixSeconds, Guid.NewGuid().ToString("N")[..10]), Envelope(encrypted));
    }

    /// <summary>The query WeCom signs <paramref name="encrypted"/> with: msg_signature, timestamp, nonce.</summary>
    public static string SignedQuery(string encrypted, long unixSeconds, string nonce)
    {
        var timestamp = unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"msg_signature={Callbacks.Signature(timestamp, nonce, encrypted)}&timestamp={timestamp}&nonce={nonce}";
    }

    /// <summary>The XML envelope a callback's ciphertext travels in.</summary>
    public static string Envelope(string encrypted) =>
        $"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID>1000002</AgentID></xml>";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _validTokens = new();
    private readonly ConcurrentQueue<int> _scripted = new();
    private int _tokens;
    private int _ways;

    private WeComStandIn(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Fires when the stand-in's host is asked to stop (SIGTERM, Ctrl-C): its own process then ends.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>How many access tokens were handed out.</summary>
    public int TokensIssued => _tokens;

    /// <summary>Every add_contact_way body received, in order.</summary>
    public ConcurrentQueue<JsonElement> ContactWayRequests { get; } = new();

    /// <summary>The next API answers carry these errcodes (before the call is looked at), one each.</summary>
    public void Answer(params int[] errcodes)
    {
        foreach (var code in errcodes) _scripted.Enqueue(code);
    }

    /// <summary>Every token handed out so far stops working (WeCom then answers 42001).</summary>
    public void ExpireTokens() => _validTokens.Clear();

    /// <param name="port">0: any free port (tests); the demo's stand-in takes a fixed one (./run.sh demo --wecom).</param>
    public static async Task<WeComStandIn> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders(); // a stand-in: its requests are the tests' business, not the console's
        var app = builder.Build();
        var standIn = new WeComStandIn(app);
        app.MapGet("/cgi-bin/gettoken", standIn.GetToken);
        app.MapPost("/cgi-bin/externalcontact/add_contact_way", standIn.AddContactWay);
        app.MapPost("/cgi-bin/externalcontact/send_welcome_msg", standIn.SendWelcome);
        app.MapPost("/cgi-bin/externalcontact/add_msg_template", standIn.AddMessageTemplate);
        app.MapPost("/cgi-bin/externalcontact/groupchat/add_join_way", standIn.AddJoinWay);
        app.MapPost("/cgi-bin/externalcontact/groupchat/get_join_way", standIn.GetJoinWay);
        app.MapPost("/cgi-bin/externalcontact/groupchat/update_join_way", standIn.UpdateJoinWay);
        app.MapPost("/cgi-bin/externalcontact/groupchat/get", standIn.GetGroupChat);
        // Not WeCom's: what the stand-in received, for the demo's summary.
        app.MapGet("/stand-in/stats", () => Results.Json(new
        {
            tokens = standIn.TokensIssued, contactWays = standIn.ContactWayRequests.Count, welcomes = standIn.Welcomes.Count,
            customerMessages = standIn.CustomerMessages.Count, joinWays = standIn.JoinWays.Count,
        }));
        await app.StartAsync();
        standIn.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return standIn;
    }

    private IResult GetToken(string? corpid, string? corpsecret)
    {
        if (corpid != CorpId) return Error(40013, "invalid corpid");
        if (corpsecret != Secret) return Error(40001, "invalid secret");
        var token = $"token-{Interlocked.Increment(ref _tokens)}";
        _validTokens[token] = true;
        return Results.Json(new { errcode = 0, errmsg = "ok", access_token = token, expires_in = 7200 });
    }

    private async Task<IResult> AddContactWay(HttpRequest request)
    {
        if (_scripted.TryDequeue(out var scripted)) return Error(scripted, "scripted by the test");
        var token = request.Query["access_token"].ToString();
        if (token.Length == 0) return Error(41001, "access_token missing");
        if (!_validTokens.ContainsKey(token)) return Error(42001, "access_token expired");
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        if (!body.TryGetProperty("state", out var state) || state.GetString()!.Length > 30) return Error(40058, "state exceeds 30 characters");
        ContactWayRequests.Enqueue(body);
        var n = Interlocked.Increment(ref _ways);
        return Results.Json(new { errcode = 0, errmsg = "ok", config_id = $"config-{n}", qr_code = $"https://wework.qpic.cn/stand-in/{n}.png" });
    }

    /// <summary>Welcome messages WeCom delivered: welcome code → text. A code is taken once (again: 41051).</summary>
    public ConcurrentDictionary<string, string> Welcomes { get; } = new();

    /// <summary>Calls of send_welcome_msg, whatever their answer.</summary>
    public int WelcomeCalls => _welcomeCalls;

    private int _welcomeCalls;

    private async Task<IResult> SendWelcome(HttpRequest request)
    {
        Interlocked.Increment(ref _welcomeCalls);
        if (_scripted.TryDequeue(out var scripted)) return Error(scripted, "scripted by the test");
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        var code = body.GetProperty("welcome_code").GetString()!;
        return Welcomes.TryAdd(code, body.GetProperty("text").GetProperty("content").GetString()!)
            ? Results.Json(new { errcode = 0, errmsg = "ok" })
            : Error(41051, "externaluser has started chatting");
    }

    /// <summary>Customer message templates WeCom took (add_msg_template bodies), in order; a customer over their limit is not here.</summary>
    public ConcurrentQueue<JsonElement> CustomerMessages { get; } = new();

    /// <summary>How many messages a customer may receive (WeCom's monthly limit, 4 in the stand-in); past it, WeCom puts them in fail_list.</summary>
    public int CustomerLimit { get; set; } = 4;

    /// <summary>Set: add_msg_template records the message, then answers only when this completes (a test kills the app meanwhile).</summary>
    public TaskCompletionSource? HoldMessages { get; set; }

    /// <summary>Completes when a held add_msg_template has been received.</summary>
    public TaskCompletionSource MessageHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ConcurrentDictionary<string, int> _received = new(StringComparer.Ordinal);

    private async Task<IResult> AddMessageTemplate(HttpRequest request)
    {
        if (_scripted.TryDequeue(out var scripted)) return Error(scripted, "scripted by the test");
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        if (body.GetProperty("chat_type").GetString() != "single") return Error(40003, "invalid chat_type");
        var failed = new List<string>();
        foreach (var customer in body.GetProperty("external_userid").EnumerateArray().Select(e => e.GetString()!))
        {
            if (_received.AddOrUpdate(customer, 1, (_, n) => n + 1) > CustomerLimit) failed.Add(customer);
        }
        if (failed.Count == 0) CustomerMessages.Enqueue(body);
        if (HoldMessages is { } hold)
        {
            MessageHeld.TrySetResult();
            await hold.Task;
        }
        return Results.Json(new { errcode = 0, errmsg = "ok", fail_list = failed, msgid = $"msg-{CustomerMessages.Count}" });
    }

    /// <summary>The customer groups WeCom has: chat id → members (user id, and the join way state they came by).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<(string UserId, string? State)>> Chats { get; } = new(StringComparer.Ordinal);

    /// <summary>A customer group with <paramref name="members"/> members (as a clerk makes one in WeCom).</summary>
    public void AddChat(string chatId, int members)
    {
        var list = Chats.GetOrAdd(chatId, _ => new());
        for (var i = 0; i < members; i++) list.Enqueue(($"wm-{chatId}-{i}", null));
    }

    /// <summary>Join ways WeCom holds: config id → the last add or update body (chat_id_list, state, …).</summary>
    public ConcurrentDictionary<string, JsonElement> JoinWays { get; } = new(StringComparer.Ordinal);

    /// <summary>update_join_way calls, in order.</summary>
    public ConcurrentQueue<JsonElement> JoinWayUpdates { get; } = new();

    private int _joinWays;

    private async Task<IResult> AddJoinWay(HttpRequest request)
    {
        if (_scripted.TryDequeue(out var scripted)) return Error(scripted, "scripted by the test");
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        if (JoinWayRefusal(body) is { } refusal) return refusal;
        var configId = $"join-{Interlocked.Increment(ref _joinWays)}";
        JoinWays[configId] = body;
        return Results.Json(new { errcode = 0, errmsg = "ok", config_id = configId });
    }

    private async Task<IResult> GetJoinWay(HttpRequest request)
    {
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var configId = (await JsonSerializer.DeserializeAsync<JsonElement>(request.Body)).GetProperty("config_id").GetString()!;
        if (!JoinWays.TryGetValue(configId, out var way)) return Error(41044, "invalid config_id");
        return Results.Json(new
        {
            errcode = 0, errmsg = "ok",
            join_way = new { config_id = configId, scene = 2, qr_code = $"https://wework.qpic.cn/stand-in/{configId}.png", chat_id_list = way.GetProperty("chat_id_list"), state = way.GetProperty("state").GetString() },
        });
    }

    private async Task<IResult> UpdateJoinWay(HttpRequest request)
    {
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        var configId = body.GetProperty("config_id").GetString()!;
        if (!JoinWays.ContainsKey(configId)) return Error(41044, "invalid config_id");
        if (JoinWayRefusal(body) is { } refusal) return refusal;
        JoinWays[configId] = body;
        JoinWayUpdates.Enqueue(body);
        return Results.Json(new { errcode = 0, errmsg = "ok" });
    }

    /// <summary>WeCom's rules for a join way: 1–5 groups it knows, a state of at most 30 characters.</summary>
    private IResult? JoinWayRefusal(JsonElement body)
    {
        var chats = body.GetProperty("chat_id_list").EnumerateArray().Select(c => c.GetString()!).ToList();
        if (chats.Count is 0 or > 5) return Error(40058, "chat_id_list must hold 1 to 5 groups");
        if (chats.Any(c => !Chats.ContainsKey(c))) return Error(90501, "chat is not external group chat");
        return body.GetProperty("state").GetString()!.Length > 30 ? Error(40058, "state exceeds 30 characters") : null;
    }

    private async Task<IResult> GetGroupChat(HttpRequest request)
    {
        if (!_validTokens.ContainsKey(request.Query["access_token"].ToString())) return Error(42001, "access_token expired");
        var chatId = (await JsonSerializer.DeserializeAsync<JsonElement>(request.Body)).GetProperty("chat_id").GetString()!;
        if (!Chats.TryGetValue(chatId, out var members)) return Error(90501, "chat is not external group chat");
        return Results.Json(new
        {
            errcode = 0, errmsg = "ok",
            group_chat = new { chat_id = chatId, owner = "c1", member_list = members.Select(m => new { userid = m.UserId, type = 2, join_scene = 3, state = m.State }).ToArray() },
        });
    }

    private static IResult Error(int errcode, string errmsg) => Results.Json(new { errcode, errmsg });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
