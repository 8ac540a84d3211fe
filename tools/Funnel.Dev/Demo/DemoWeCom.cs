using System.Globalization;
using System.Text;
using Funnel.Core.Leads;
using Funnel.Core.WeCom;
using Funnel.Testing;

namespace Funnel.Dev.Demo;

/// <summary>
/// The demo's WeCom side (<c>--wecom</c>): a shopper recruited through a clerk's code is a WeCom customer
/// (<c>wecom:{external user id}</c>) whom that clerk adds; the add is WeCom's signed, encrypted callback to
/// /wecom/callback, made with the stand-in's corp keys (the app runs with them). The lead id follows from the
/// identity as the app derives it (the lead-hash key from the same settings as the tokens' key). Afterwards the
/// summary reads what the stand-in received and what the app recorded of its journey messages.
/// </summary>
internal sealed class DemoWeCom(Uri standIn, string leadHashKey)
{
    public const string IdentityPrefix = "wecom:";
    private readonly LeadIdHasher _hasher = new(Encoding.UTF8.GetBytes(leadHashKey));
    private long _added, _readded, _lastCreateTime, _welcomesBefore;

    public Uri StandIn { get; } = standIn;

    /// <summary>The shopper id of a WeCom customer: the identity the callback's external user id becomes.</summary>
    public static string ShopperId(string runTag, int n) => string.Create(CultureInfo.InvariantCulture, $"{IdentityPrefix}wm-{runTag}-{n}");

    /// <summary>
    /// The clerk adds the customer through the way of their code: WeCom posts customer-added with the way's state and a
    /// welcome code. Each add is its own event (its CreateTime); the demo's retries of one post are WeCom's retries.
    /// </summary>
    public async Task<(ApiResult Result, string LeadId)> AddAsync(DemoApi api, string shopperId, string code, string clerkId, bool repeat, CancellationToken ct)
    {
        var external = shopperId[IdentityPrefix.Length..];
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var createTime = InterlockedMax(now);
        var (query, body) = WeComStandIn.SignedCallback(WeComStandIn.CustomerAdded(WeComIds.StateFor(code), external, createTime, clerkId), now);
        var result = await api.SendAsync(HttpMethod.Post, $"/wecom/callback?{query}", null, () => new StringContent(body, Encoding.UTF8, "text/xml"), ct);
        if (result.Ok) Interlocked.Increment(ref repeat ? ref _readded : ref _added);
        return (result, WeComIds.LeadIdFor(_hasher, external));
    }

    /// <summary>A create time after every earlier one of this run: two adds in one second are two events, not a retry.</summary>
    private long InterlockedMax(long now)
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastCreateTime);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastCreateTime, next, last) == last) return next;
        }
    }

    /// <summary>Notes what the stand-in had received before this run (it may have served an earlier one).</summary>
    public async Task BeginAsync(CancellationToken ct) => _welcomesBefore = (await StatsAsync(ct)).GetProperty("welcomes").GetInt64();

    private async Task<System.Text.Json.JsonElement> StatsAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = StandIn, Timeout = TimeSpan.FromSeconds(10) };
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/stand-in/stats", ct));
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// What WeCom saw and what the app recorded: every add welcomed once (the stand-in's welcomes equal the adds), and
    /// the journeys' messages to these customers sent (the welcome by the add event's code, later ones as the clerk's
    /// template), failed or unconfirmed. False when the welcomes do not match the adds, or a message failed or is unconfirmed.
    /// </summary>
    public async Task<bool> PrintAsync(DemoApi api, DemoTokens tokens, IReadOnlyList<ChainStore> stores, DateOnly from, DateOnly to, DemoLog log, CancellationToken ct)
    {
        var stats = await StatsAsync(ct);
        var messages = await Task.WhenAll(stores.Select(s => api.GetAsync($"/api/stores/{s.StoreId}/messages?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}", tokens.Hq, ct)));
        long Sum(string what) => messages.Where(m => m.Ok).Sum(m => m.Body.GetProperty(what).GetInt64());
        var welcomes = stats.GetProperty("welcomes").GetInt64() - _welcomesBefore;
        var adds = _added + _readded;
        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"wecom: {_added} customers added by clerks ({_readded} added again), {welcomes} welcomed by WeCom {(welcomes == adds ? "ok" : "DIFFERS")}; " +
            $"journey messages to them so far sent {Sum("sent")} (the stand-in holds {stats.GetProperty("customerMessages").GetInt64()} clerk's templates in all, the rest went as the add's welcome), " +
            $"failed {Sum("failed")}, unconfirmed {Sum("unconfirmed")}; {stats.GetProperty("contactWays").GetInt64()} contact ways, {stats.GetProperty("tokens").GetInt64()} access tokens"));
        return welcomes == adds && Sum("failed") == 0 && Sum("unconfirmed") == 0;
    }
}
