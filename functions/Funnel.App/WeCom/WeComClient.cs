using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Funnel.Core.WeCom;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Funnel.App.WeCom;

/// <summary>A WeCom API call that failed for good, or still failed after its retries: WeCom's errcode and errmsg.</summary>
internal sealed class WeComException(string api, int errcode, string errmsg, WeComOutcome outcome)
    : Exception($"WeCom {api} answered errcode {errcode} ({outcome}): {errmsg}")
{
    public int ErrCode { get; } = errcode;
    public WeComOutcome Outcome { get; } = outcome;
}

/// <summary>A "contact me" way (联系我) WeCom created: its id, and the QR code shoppers scan.</summary>
internal sealed record ContactWay(string ConfigId, string QrCode);

/// <summary>A customer message template WeCom accepted (its msgid), and whether it will reach the customer.</summary>
internal sealed record CustomerMessageResult(string? MsgId, bool Accepted);

/// <summary>
/// WeCom's server API (typed HttpClient, base <see cref="WeComOptions.BaseUrl"/>). The access token comes from
/// <c>cgi-bin/gettoken</c> with the corp id and the app's secret and is kept until five minutes before its
/// <c>expires_in</c>; a call WeCom answers with an expired or invalid token fetches a new one and is made again, once.
/// WeCom answers HTTP 200 with an errcode (<see cref="WeComErrors"/>): "busy" and the rate limits are retried with
/// exponential back-off by a Polly pipeline; every other errcode is a <see cref="WeComException"/> at once. HTTP-level
/// faults (5xx, 429, timeouts) are the standard resilience handler's (Microsoft.Extensions.Http.Resilience), which
/// retries only the token's GET: a POST that timed out may have been done, and a message must not go out twice. The
/// secret and tokens travel in query strings, which HttpClientFactory's logs redact (.NET 9+); this class logs neither.
/// </summary>
internal sealed partial class WeComClient
{
    private static readonly TimeSpan TokenMargin = TimeSpan.FromMinutes(5);

    /// <summary>send_welcome_msg: the welcome code was used already ("externaluser has started chatting").</summary>
    public const int WelcomeCodeUsed = 41051;
    private readonly HttpClient _http;
    private readonly WeComOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly WeComTokenCache _cache;

    public WeComClient(HttpClient http, IOptions<WeComOptions> options, WeComTokenCache cache)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _cache = cache;
        _options = options.Value;
        _time = cache.Time;
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<WeComException>(e => e.Outcome is WeComOutcome.Retry or WeComOutcome.RateLimited),
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(_options.ApiRetryDelayMilliseconds),
        }).Build();
    }

    /// <summary>WeCom's API could not be reached, or kept failing at the HTTP level past the resilience handler's retries.</summary>
    public static bool IsUnreachable(Exception e) =>
        e is HttpRequestException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException;

    /// <summary>Creates a single-clerk "contact me" way shown as a QR code, whose callbacks carry <paramref name="state"/> (at most 30 characters).</summary>
    public async Task<ContactWay> AddContactWayAsync(string clerkUserId, string state, string remark, CancellationToken cancellationToken)
    {
        var answer = await PostAsync<ContactWayAnswer>("externalcontact/add_contact_way",
            new { type = 1, scene = 2, remark, skip_verify = true, state, user = new[] { clerkUserId } }, cancellationToken);
        return new ContactWay(answer.ConfigId ?? "", answer.QrCode ?? "");
    }

    /// <summary>
    /// Sends the welcome message of a customer-added event (its welcome code: usable once, within 20 s of the event).
    /// False when WeCom says the code was used already (41051: this event's welcome went out on an earlier delivery, or
    /// the customer has started chatting), true when this call sent it.
    /// </summary>
    public async Task<bool> SendWelcomeAsync(string welcomeCode, string text, CancellationToken cancellationToken)
    {
        try
        {
            await PostAsync<WeComAnswer>("externalcontact/send_welcome_msg", new { welcome_code = welcomeCode, text = new { content = text } }, cancellationToken);
            return true;
        }
        catch (WeComException e) when (e.ErrCode == WelcomeCodeUsed)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the clerk (<paramref name="sender"/>) to send <paramref name="text"/> to one customer: a customer message
    /// template (创建企业群发, add_msg_template, chat_type "single"), which WeCom delivers once the clerk confirms it.
    /// WeCom answers errcode 0 also for a customer it will not deliver to (the customer's monthly or daily limit is
    /// reached, or they are no longer a contact): that customer is then in <c>fail_list</c>, and the answer says so.
    /// </summary>
    public async Task<CustomerMessageResult> SendToCustomerAsync(string externalUserId, string? sender, string text, CancellationToken cancellationToken)
    {
        var answer = await PostAsync<MessageTemplateAnswer>("externalcontact/add_msg_template",
            new { chat_type = "single", external_userid = new[] { externalUserId }, sender, text = new { content = text } }, cancellationToken);
        return new CustomerMessageResult(answer.MsgId, answer.FailList?.Contains(externalUserId, StringComparer.Ordinal) != true);
    }

    /// <summary>POSTs <paramref name="body"/> as JSON to <c>cgi-bin/{api}</c> with the access token, and reads the answer.</summary>
    public Task<T> PostAsync<T>(string api, object body, CancellationToken cancellationToken) where T : WeComAnswer =>
        _retry.ExecuteAsync(async token => await PostOnceAsync<T>(api, body, token), cancellationToken).AsTask();

    private async Task<T> PostOnceAsync<T>(string api, object body, CancellationToken cancellationToken) where T : WeComAnswer
    {
        var token = await TokenAsync(null, cancellationToken);
        var answer = await SendAsync<T>(api, body, token, cancellationToken);
        if (WeComErrors.Classify(answer.ErrCode) == WeComOutcome.RefreshToken)
        {
            answer = await SendAsync<T>(api, body, await TokenAsync(token, cancellationToken), cancellationToken);
        }
        var outcome = WeComErrors.Classify(answer.ErrCode);
        return outcome == WeComOutcome.Ok ? answer : throw new WeComException(api, answer.ErrCode, answer.ErrMsg ?? "", outcome);
    }

    private async Task<T> SendAsync<T>(string api, object body, string token, CancellationToken cancellationToken) where T : WeComAnswer
    {
        using var response = await _http.PostAsJsonAsync($"cgi-bin/{api}?access_token={Uri.EscapeDataString(token)}", body, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken) ?? throw new JsonException($"WeCom {api} answered no JSON.");
    }

    /// <summary>
    /// The cached token, or a new one when there is none, it is near its end, or WeCom just refused it
    /// (<paramref name="refused"/>: callers refused together fetch one new token, not one each). Its lifetime is real
    /// time (WeCom's), not the app's clock, which the demo runs faster.
    /// </summary>
    private async Task<string> TokenAsync(string? refused, CancellationToken cancellationToken)
    {
        if (_cache.Token is { } fresh && fresh.Value != refused && _time.GetUtcNow() < fresh.Until) return fresh.Value;
        await _cache.Lock.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have fetched one meanwhile.
            if (_cache.Token is { } current && current.Value != refused && _time.GetUtcNow() < current.Until) return current.Value;
            var url = $"cgi-bin/gettoken?corpid={Uri.EscapeDataString(_options.CorpId ?? "")}&corpsecret={Uri.EscapeDataString(_options.Secret ?? "")}";
            var answer = await _http.GetFromJsonAsync<TokenAnswer>(url, cancellationToken) ?? throw new JsonException("WeCom gettoken answered no JSON.");
            var outcome = WeComErrors.Classify(answer.ErrCode);
            if (outcome != WeComOutcome.Ok || answer.AccessToken is not { Length: > 0 } value)
            {
                throw new WeComException("gettoken", answer.ErrCode, answer.ErrMsg ?? "", outcome == WeComOutcome.Ok ? WeComOutcome.Permanent : outcome);
            }
            _cache.Token = (value, _time.GetUtcNow() + TimeSpan.FromSeconds(answer.ExpiresIn) - TokenMargin);
            return value;
        }
        finally
        {
            _cache.Lock.Release();
        }
    }

    private sealed class TokenAnswer : WeComAnswer
    {
        [JsonPropertyName("access_token")]
        public string? AccessToken { get; init; }

        [JsonPropertyName("expires_in")]
        public int ExpiresIn { get; init; }
    }

    private sealed class MessageTemplateAnswer : WeComAnswer
    {
        [JsonPropertyName("msgid")]
        public string? MsgId { get; init; }

        [JsonPropertyName("fail_list")]
        public List<string>? FailList { get; init; }
    }

    private sealed class ContactWayAnswer : WeComAnswer
    {
        [JsonPropertyName("config_id")]
        public string? ConfigId { get; init; }

        [JsonPropertyName("qr_code")]
        public string? QrCode { get; init; }
    }
}

/// <summary>The app's one WeCom access token (typed clients are made per use; the token is not), and who may fetch the next.</summary>
internal sealed class WeComTokenCache : IDisposable
{
    /// <summary>Real time: a token lives by WeCom's clock (tests may give another).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public SemaphoreSlim Lock { get; } = new(1, 1);

    public (string Value, DateTimeOffset Until)? Token { get; set; }

    public void Dispose() => Lock.Dispose();
}

/// <summary>Every WeCom answer's errcode and errmsg.</summary>
internal class WeComAnswer
{
    [JsonPropertyName("errcode")]
    public int ErrCode { get; init; }

    [JsonPropertyName("errmsg")]
    public string? ErrMsg { get; init; }
}
