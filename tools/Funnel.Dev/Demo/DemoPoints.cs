using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Funnel.Dev.Demo;

/// <summary>
/// The demo's points, KOCs and referrals. HQ sets the rules before the run; early in the run each store promotes its
/// first lead to KOC (no quota worth mentioning: 1,000) and its second lead shares its code, and from then a third of
/// the new shoppers who would scan the store's door poster scan the KOC's code instead and another third the share code
/// (counted on the store's row either way, so the funnel's numbers are unchanged); at the end every fifth lead redeems
/// 10 points. The summary reads every lead's ledger and checks its sums against what was sent: one joining award per
/// lead, one trial award per completed trial, floor(amount) per sale by a lead, one referral per shopper who joined
/// through a share code, the redemptions; and the KOCs' cards against the KOC-code scans sent.
/// </summary>
internal sealed class DemoPoints(DemoApi api, DemoTokens tokens, DemoLog log)
{
    public const int Joining = 10;
    public const int TrialCompleted = 20;
    public const int Redemption = 10;
    private const int KocQuota = 1000;

    private readonly ConcurrentDictionary<string, Shopper> _leads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Shopper, byte> _viaKoc = new();
    private readonly ConcurrentDictionary<Shopper, byte> _viaShare = new();
    private long _purchasePoints, _redeemed, _kocRecruits, _referrals;
    private bool _promoted;

    public Task<ApiResult> SeedAsync(CancellationToken ct) =>
        api.PutJsonAsync("/api/programme/points", tokens.Hq, new { joining = Joining, trialCompleted = TrialCompleted, shareRecruited = 5, perUnitAmount = 1m }, ct);

    /// <summary>The code a shopper's first scan uses: for new door-poster shoppers, once the store has them, a third the KOC's and a third the share code.</summary>
    public string CodeFor(Shopper shopper, string planned)
    {
        if (shopper.CodeClerkId is not null || shopper.LeadId is not null) return planned;
        switch (shopper.ShopperId.Sum(c => c) % 3) // stable, so a seeded run repeats
        {
            case 0 when shopper.Home.KocCode is { } koc:
                _viaKoc.TryAdd(shopper, 0);
                return koc;
            case 1 when shopper.Home.ShareCode is { } share:
                _viaShare.TryAdd(shopper, 0);
                return share;
            default:
                return planned;
        }
    }

    /// <summary>A shopper's scan was counted; <paramref name="newAtStore"/>: their first.</summary>
    public void Scanned(Shopper shopper, bool newAtStore)
    {
        if (shopper.LeadId is { } lead) _leads.TryAdd(lead, shopper);
        if (newAtStore && _viaKoc.ContainsKey(shopper)) Interlocked.Increment(ref _kocRecruits);
        if (newAtStore && _viaShare.ContainsKey(shopper)) Interlocked.Increment(ref _referrals); // every shopper of the demo is new to the brand
    }

    /// <summary>A sale the app accepted: a lead's earns floor(amount) (a walk-in is no lead).</summary>
    public void Sold(Sale sale)
    {
        if (sale.Shopper is { LeadId: not null }) Interlocked.Add(ref _purchasePoints, (long)Math.Floor(sale.Amount));
    }

    /// <summary>Each store promotes its first lead to KOC (once a run), with its first clerk serving the KOC's recruits.</summary>
    public async Task PromoteAsync(IReadOnlyList<ChainStore> stores, CancellationToken ct)
    {
        if (_promoted) return;
        _promoted = true;
        var promoted = 0;
        foreach (var store in stores)
        {
            var leads = _leads.Values.Where(s => s.Home == store && s.CountedAtHome).OrderBy(s => s.FirstScan?.Planned).Take(2).ToList();
            if (leads.Count == 2 && leads[1].LeadId is { } sharer)
            {
                var share = await api.PostJsonAsync($"/api/leads/{sharer}/share-code", tokens.Hq, new { }, ct);
                store.ShareCode = share.Text("code");
            }
            if (leads.FirstOrDefault()?.LeadId is not { } lead) continue;
            var r = await api.PutJsonAsync($"/api/stores/{store.StoreId}/kocs/{lead}", tokens.Hq, new { quota = KocQuota }, ct);
            if (!r.Ok || !r.Body.TryGetProperty("code", out var code)) continue;
            store.KocCode = code.GetProperty("code").GetString();
            store.KocLeadId = lead;
            promoted++;
        }
        log.Line($"KOCs: {promoted} of {stores.Count} stores promoted their first lead, {stores.Count(s => s.ShareCode is not null)} stores' second lead shares a code; of the new door-poster shoppers a third now scan the KOC's code, a third the share code");
    }

    /// <summary>Every fifth lead redeems 10 points (each lead holds at least its joining points).</summary>
    public async Task RedeemAsync(string runTag, CancellationToken ct)
    {
        var leads = _leads.Keys.Order(StringComparer.Ordinal).Where((_, i) => i % 5 == 0).ToList();
        var results = await Task.WhenAll(leads.Select(lead => api.PostJsonAsync($"/api/leads/{lead}/points/redemptions", tokens.Hq,
            new { redemptionId = $"demo-{runTag}", points = Redemption, reason = "a sample at the till" }, ct)));
        _redeemed = results.Count(r => r.Ok) * (long)Redemption;
    }

    /// <summary>
    /// Reads every lead's ledger and the KOCs' cards; prints what was sent next to what the ledgers hold, and returns
    /// whether they agree. A sale's award follows its count by a moment (the handler awards after the sale's commit), so
    /// a difference is read again a few times first.
    /// </summary>
    public async Task<bool> VerifyAsync(IReadOnlyList<ChainStore> stores, long trialsCompleted, TimeProvider real, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ok = await CompareAsync(stores, trialsCompleted, print: attempt == 5, ct);
            if (ok || attempt == 5)
            {
                if (ok) await CompareAsync(stores, trialsCompleted, print: true, ct);
                return ok;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), real, ct);
        }
    }

    private async Task<bool> CompareAsync(IReadOnlyList<ChainStore> stores, long trialsCompleted, bool print, CancellationToken ct)
    {
        long joins = 0, trials = 0, purchases = 0, redeemed = 0, referrals = 0, balances = 0, entrySum = 0;
        var ledgers = await Task.WhenAll(_leads.Keys.Select(lead => api.GetAsync($"/api/leads/{lead}/points?limit=200", tokens.Hq, ct)));
        foreach (var ledger in ledgers.Where(l => l.Ok))
        {
            balances += ledger.Body.GetProperty("balance").GetInt64() - ledger.Body.GetProperty("debt").GetInt64();
            foreach (var e in ledger.Body.GetProperty("entries").EnumerateArray())
            {
                var points = e.GetProperty("points").GetInt64();
                entrySum += points;
                switch (e.GetProperty("kind").GetString())
                {
                    case "join": joins++; break;
                    case "trial-completed": trials++; break;
                    case "purchase": purchases += points; break;
                    case "redemption": redeemed -= points; break;
                    case "referral": referrals++; break;
                }
            }
        }
        long recruited = 0;
        foreach (var store in stores.Where(s => s.KocCode is not null))
        {
            var cards = await api.GetAsync($"/api/kocs?storeId={store.StoreId}", tokens.Hq, ct);
            // This run's KOC only (a store keeps the KOCs of earlier runs on the same storage).
            if (cards.Ok) recruited += cards.Body.GetProperty("kocs").EnumerateArray().Where(k => k.GetProperty("leadId").GetString() == store.KocLeadId).Sum(k => k.GetProperty("served").GetInt64());
        }
        var ok = ledgers.All(l => l.Ok) && joins == _leads.Count && trials == trialsCompleted && purchases == _purchasePoints && redeemed == _redeemed
            && referrals == Interlocked.Read(ref _referrals) && balances == entrySum && recruited == Interlocked.Read(ref _kocRecruits);
        if (!print) return ok;
        log.Line(Invariant($"points: {_leads.Count} ledgers read; joining awards {joins} (leads {_leads.Count}), trial awards {trials} (trials completed {trialsCompleted}), purchase points {purchases} (sent {_purchasePoints}), referrals {referrals} (share-code joins sent {_referrals}), redeemed {redeemed} (sent {_redeemed}); balances {balances} = entries {entrySum}: {(ok ? "ok" : "DIFFERS")}"));
        log.Line(Invariant($"KOCs: {stores.Count(s => s.KocCode is not null)} promoted, their recruits {recruited} (KOC-code first scans sent {_kocRecruits})"));
        return ok;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
