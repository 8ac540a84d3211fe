using System.ComponentModel.DataAnnotations;
using Funnel.App.Extensions;
using Funnel.Core.WeCom;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Funnel.App.WeCom;

/// <summary>
/// The WeCom (企业微信) channel, section "WeCom" (environment: WeCom__CorpId, …). The channel is on exactly when
/// <see cref="CorpId"/> is set; then the callback's <see cref="Token"/> and <see cref="EncodingAesKey"/> are required
/// (the app refuses to start without them). None of these values is ever logged.
/// </summary>
internal sealed class WeComOptions
{
    public const string Section = "WeCom";

    /// <summary>The corp's id (我的企业 → 企业信息 → 企业ID); also the receive id every callback must carry.</summary>
    public string? CorpId { get; set; }

    /// <summary>The self-built app's Secret, for WeCom's server API (access tokens). Never logged; the HTTP logs redact query strings.</summary>
    public string? Secret { get; set; }

    /// <summary>The self-built app's AgentId.</summary>
    public string? AgentId { get; set; }

    /// <summary>The app's callback Token (接收消息 → Token): signs every callback.</summary>
    public string? Token { get; set; }

    /// <summary>The app's callback EncodingAESKey (接收消息 → EncodingAESKey): encrypts every callback.</summary>
    public string? EncodingAesKey { get; set; }

    /// <summary>WeCom's API host; a local stand-in in tests and the demo.</summary>
    [Url]
    public string BaseUrl { get; set; } = "https://qyapi.weixin.qq.com";

    /// <summary>How far a callback's timestamp may be from the app's clock, either way, before it is refused as a replay.</summary>
    [Range(30, 3600)]
    public int CallbackMaxSkewSeconds { get; set; } = 300;

    /// <summary>The first pause before an API call WeCom answered "busy" or "rate limited" is made again (doubling, 3 tries more).</summary>
    [Range(1, 60_000)]
    public int ApiRetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>The welcome a customer added by a clerk gets at once ({store}: the store's name).</summary>
    [Required]
    [StringLength(1000, MinimumLength = 1)]
    public string WelcomeText { get; set; } = "欢迎来到{store}！您的专属导购会在这里为您服务。";

    /// <summary>
    /// The text of each journey message (by template; {store}: the store's name) sent as a customer message template.
    /// A numbered template ("awareness-content-2") without a text of its own takes its family's ("awareness-content").
    /// A template without a text is reported failed with the key to set (WeCom:MessageTexts:{template}).
    /// </summary>
    public Dictionary<string, string> MessageTexts { get; set; } = new(StringComparer.Ordinal)
    {
        ["awareness-content"] = "{store}为您准备了本周的新品和使用小贴士，欢迎在群里提问！",
        ["trial-reminder"] = "您在{store}预约的体验快到了，期待见到您！",
        ["qna-last-chance"] = "关于体验还有什么问题吗？{store}的导购随时为您解答。",
        ["welcome"] = "欢迎来到{store}！您的专属导购会在这里为您服务。",
    };

    /// <summary>
    /// A message found "sending" this long after the attempt began (real seconds) had its sender stop between asking
    /// WeCom and recording the answer: it is reported unconfirmed, never sent again. Younger: another delivery of it is
    /// still at work, and this one is retried later.
    /// </summary>
    [Range(1, 3600)]
    public int UnconfirmedAfterSeconds { get; set; } = 120;

    /// <summary>The first pause before a message WeCom answered "busy" (past the client's retries) is tried again; doubles each time.</summary>
    [Range(1, 3600)]
    public int DeliveryRetrySeconds { get; set; } = 60;

    public bool IsEnabled => !string.IsNullOrWhiteSpace(CorpId);

    /// <summary>The text for a template: its own, or its family's (the name without a trailing "-{number}"); null when neither is set.</summary>
    public string? TextFor(string template)
    {
        if (MessageTexts.TryGetValue(template, out var text) && !string.IsNullOrWhiteSpace(text)) return text;
        var dash = template.LastIndexOf('-');
        return dash > 0 && template[(dash + 1)..] is { Length: > 0 } tail && tail.All(char.IsAsciiDigit)
            && MessageTexts.TryGetValue(template[..dash], out var family) && !string.IsNullOrWhiteSpace(family) ? family : null;
    }

    /// <summary>The callback's crypto, or null when the channel is off.</summary>
    public CallbackCrypto? Crypto() => IsEnabled ? new CallbackCrypto(Token!, EncodingAesKey!, CorpId!) : null;
}

/// <summary>With WeCom on, the callback settings must be ones WeCom issues (each failure says which and where to find it).</summary>
internal sealed class WeComOptionsValidator : IValidateOptions<WeComOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComOptions options)
    {
        if (!options.IsEnabled) return ValidateOptionsResult.Success;
        var failures = new[]
        {
            CallbackCrypto.DescribeToken(options.Token) is { } token ? $"WeCom:Token (WeCom__Token): {token}" : null,
            CallbackCrypto.DescribeAesKey(options.EncodingAesKey) is { } key ? $"WeCom:EncodingAesKey (WeCom__EncodingAesKey): {key}" : null,
        }.OfType<string>().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class WeComServices
{
    /// <summary>The typed <see cref="WeComClient"/> on <see cref="WeComOptions.BaseUrl"/>, with the standard HTTP resilience handler.</summary>
    public static IServiceCollection AddWeComClient(this IServiceCollection services)
    {
        services.AddSingleton<WeComTokenCache>();
        services.AddTransient<WeComWays>(); // holds a typed client: made per use, like it
        services.AddTransient<WeComEvents>();
        services.AddHttpClient<WeComClient>((sp, http) =>
        {
            var baseUrl = sp.GetRequiredService<IOptions<WeComOptions>>().Value.BaseUrl;
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
        }).AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods()); // a POST is never repeated blind
        services.AddSingleton(sp => new IdentitySeal(FunnelOptions.KeyBytes(sp.GetRequiredService<IOptions<FunnelOptions>>().Value.LeadHashKey)));
        services.AddSingleton<WeComIdentities>();
        services.AddSingleton<DeliveryLedger>();
        services.AddTransient<WeComDelivery>();
        services.AddTransient<WeComGroups>();
        return services;
    }
}
