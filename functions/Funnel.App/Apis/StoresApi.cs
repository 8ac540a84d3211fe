using Funnel.App.Auth;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Funnels;
using Funnel.Core.Groups;
using Funnel.Core.Stores;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Apis;

internal static class StoresApi
{
    public const int MaxFunnelDays = 366;

    public static IEndpointRouteBuilder MapStoresApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stores/{storeId}").WithTags("Stores");
        api.MapPut("", PutStore).WithName("PutStore").RequireStoreScope(Roles.Hq);
        api.MapGet("", GetStore).WithName("GetStore").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/clerks/{clerkId}", PutClerk).WithName("PutClerk").RequireStoreScope(Roles.Hq, Roles.Store)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/groups", GetGroups).WithName("GetGroups").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/funnel", GetFunnel).WithName("GetFunnel").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<Ok<StoreResponse>, ValidationProblem>> PutStore(
        string storeId, StoreRequest body, StoreRepository stores, StoreLanes committer, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("storeId", storeId);
        var name = v.RequireText("name", body.Name, 200);
        v.Id("region", body.Region);
        v.Range("groupCapacity", body.GroupCapacity, 1, StorePolicy.MaxGroupCapacity);
        v.Range("maxGroups", body.MaxGroups, 1, StorePolicy.MaxMaxGroupsPerTier);
        v.Range("attributionWindowDays", body.AttributionWindowDays, 1, StoreSettings.MaxAttributionWindowDays);
        if (body.Currency is not null && (body.Currency.Length != 3 || !body.Currency.All(char.IsAsciiLetterUpper)))
        {
            v.Add("currency", "'currency' is an ISO 4217 code in capitals, e.g. CNY.");
        }
        if (body.TimeZone is not null && !TimeZones.TryFind(body.TimeZone, out _))
        {
            v.Add("timeZone", $"'{body.TimeZone}' is not a known IANA time zone (e.g. Asia/Shanghai, Europe/Berlin, UTC).");
        }
        if (body.PhoneRegion is not null && !Core.Leads.ShopperIdentity.IsSupportedRegion(body.PhoneRegion))
        {
            v.Add("phoneRegion", $"'phoneRegion' is the store's country for phone numbers without a country code: an ISO 3166 code in capitals, e.g. CN, HK, SG ('{body.PhoneRegion}' is not one).");
        }
        body.Journey?.Validate(v);
        if (!v.IsValid) return v.Problem();

        var settings = new StoreSettings(storeId, name!, body.Region!,
            body.GroupCapacity ?? StorePolicy.DefaultGroupCapacity,
            body.MaxGroups ?? StorePolicy.DefaultMaxGroupsPerTier,
            body.TimeZone ?? "UTC",
            time.GetUtcNow(),
            body.AttributionWindowDays ?? StoreSettings.DefaultAttributionWindowDays,
            body.Currency ?? StoreSettings.DefaultCurrency,
            body.Journey,
            body.PhoneRegion ?? Core.Leads.ShopperIdentity.DefaultPhoneRegion);
        await stores.SaveAsync(settings, cancellationToken);
        committer.Invalidate(storeId);
        return TypedResults.Ok(StoreResponse.From(settings));
    }

    internal static async Task<Results<Ok<StoreResponse>, ProblemHttpResult>> GetStore(
        string storeId, StoreRepository stores, CancellationToken cancellationToken) =>
        await stores.GetAsync(storeId, cancellationToken) is { } s
            ? TypedResults.Ok(StoreResponse.From(s))
            : Problems.NotFound($"Store '{storeId}' does not exist.");

    internal static async Task<Results<Ok<ClerkResponse>, ValidationProblem, ProblemHttpResult>> PutClerk(
        string storeId, string clerkId, ClerkRequest body, StoreRepository stores, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        v.Id("clerkId", clerkId);
        var name = v.RequireText("name", body.Name, 200);
        if (!v.IsValid) return v.Problem();
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist; create it first with PUT /api/stores/{storeId}.");
        await stores.SaveClerkAsync(storeId, clerkId, name!, time.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(new ClerkResponse(storeId, clerkId, name!));
    }

    internal static async Task<Results<Ok<List<GroupResponse>>, ProblemHttpResult>> GetGroups(
        string storeId, StoreRepository stores, CancellationToken cancellationToken)
    {
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        var groups = await stores.GetGroupsAsync(storeId, cancellationToken);
        return TypedResults.Ok(groups
            .OrderBy(g => g.Tier).ThenBy(g => g.Sequence)
            .Select(g => new GroupResponse(g.GroupId, g.Tier.Name(), g.Members, g.Capacity, g.Status))
            .ToList());
    }

    /// <summary>
    /// The store's funnel between two local days (inclusive; default: the last 30 days). Reads one counter
    /// row per day for the store's own codes and one per day per active clerk, however many scans there were.
    /// </summary>
    internal static async Task<Results<Ok<FunnelResponse>, ValidationProblem, ProblemHttpResult>> GetFunnel(
        string storeId, string? from, string? to, int? days, StoreRepository stores, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = await stores.GetAsync(storeId, cancellationToken);
        if (settings is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        var v = new Validation();
        var (fromDay, toDay) = ParseDays(v, from, to, days, settings.Policy, time.GetUtcNow());
        if (!v.IsValid) return v.Problem();

        var rows = (await stores.GetCountersAsync(storeId, fromDay, toDay, cancellationToken)).Select(r => (r.Key, r.Counts)).ToList();
        return TypedResults.Ok(FunnelResponse.Create(settings, fromDay, toDay, rows));
    }

    /// <summary>
    /// The local days a funnel covers: <c>to</c> (default: today), back to <c>from</c>, or <c>days</c> days ending at
    /// <c>to</c> (1 = just that day; the pages use 1, 7 and 30), or the last 30 days. "Today" is the app's clock, so
    /// a page asking for days=7 sees the demo's compressed time, not the browser's.
    /// </summary>
    internal static (DateOnly From, DateOnly To) ParseDays(Validation v, string? from, string? to, int? days, StorePolicy policy, DateTimeOffset now)
    {
        if (from is not null && days is not null) v.Add("days", "Give 'from' or 'days', not both.");
        v.Range("days", days, 1, MaxFunnelDays);
        var span = days is >= 1 and <= MaxFunnelDays ? days.Value : 30;
        var toDay = ParseDay(v, "to", to, policy) ?? policy.LocalDay(now);
        var fromDay = ParseDay(v, "from", from, policy) ?? toDay.AddDays(-(span - 1));
        if (v.IsValid && fromDay > toDay) v.Add("from", "'from' must not be after 'to'.");
        if (v.IsValid && toDay.DayNumber - fromDay.DayNumber >= MaxFunnelDays) v.Add("from", $"A funnel spans at most {MaxFunnelDays} days.");
        return (fromDay, toDay);
    }

    /// <summary>The days a funnel may name: wide enough for any real report, narrow enough that no day arithmetic overflows.</summary>
    internal static readonly DateOnly EarliestDay = new(2000, 1, 1), LatestDay = new(2099, 12, 31);

    /// <summary>A day as yyyy-MM-dd, or an ISO 8601 timestamp taken as the store's local day, between <see cref="EarliestDay"/> and <see cref="LatestDay"/>.</summary>
    internal static DateOnly? ParseDay(Validation v, string field, string? text, StorePolicy policy)
    {
        if (string.IsNullOrEmpty(text)) return null;
        DateOnly day;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) day = d;
        else if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            day = at.UtcDateTime.Year is >= 2000 and < 2100 ? policy.LocalDay(at) : DateOnly.MinValue; // out of range, said below
        else
        {
            v.Add(field, $"'{field}' must be a day (2026-11-23) or an ISO 8601 timestamp.");
            return null;
        }
        if (day < EarliestDay || day > LatestDay)
        {
            v.Add(field, $"'{field}' must be between {EarliestDay:yyyy-MM-dd} and {LatestDay:yyyy-MM-dd}.");
            return null;
        }
        return day;
    }

    internal sealed record StoreRequest(
        string? Name, string? Region, int? GroupCapacity, int? MaxGroups, string? TimeZone, int? AttributionWindowDays, string? Currency, JourneySettings? Journey,
        string? PhoneRegion = null);

    /// <summary><c>journey</c>: the nurture settings HQ set (fields left out take the defaults; see the README).</summary>
    internal sealed record StoreResponse(
        string StoreId, string Name, string Region, int GroupCapacity, int MaxGroups, string TimeZone, int AttributionWindowDays, string Currency,
        JourneySettings Journey, string PhoneRegion)
    {
        public static StoreResponse From(StoreSettings s) =>
            new(s.StoreId, s.Name, s.Region, s.GroupCapacity, s.MaxGroupsPerTier, s.TimeZone, s.AttributionWindowDays, s.Currency, s.JourneyOrDefaults, s.PhoneRegion);
    }

    internal sealed record ClerkRequest(string? Name);

    internal sealed record ClerkResponse(string StoreId, string ClerkId, string Name);

    internal sealed record GroupResponse(string GroupId, string Tier, int Members, int Capacity, string Status);

    /// <summary>
    /// purchases/revenue: credited to this store's community (its leads buying here, or at another store as
    /// cross-store conversions). storeSales/storeSalesRevenue: every sale rung up here, credited or not. Both revenues
    /// are net of refunds (taken back on the refunded sale's day). refunds/refundedAmount: refunds of sales rung up here.
    /// purchaseConflicts: messages that reused a purchase id with other content (not counted; in the poison queue).
    /// conversionRate: first purchases ÷ new leads over the same days (null without new leads).
    /// </summary>
    internal sealed record FunnelResponse(
        string StoreId, DateOnly From, DateOnly To, string TimeZone, string Currency,
        long Scans, long Leads, long Joined,
        long TrialBooked, long TrialCompleted, long Questions, double? ServiceRate, long Complaints, double? ComplaintRate,
        long Purchases, decimal Revenue, long FirstPurchases, long Repurchases, long CrossStorePurchases, double? ConversionRate,
        long StoreSales, decimal StoreSalesRevenue, long Refunds, decimal RefundedAmount, long PurchaseConflicts,
        List<ClerkFunnel> ByClerk,
        List<TrendDay> Daily)
    {
        public static FunnelResponse Create(StoreSettings settings, DateOnly from, DateOnly to, IReadOnlyList<(CounterKey Key, FunnelCounts Counts)> rows)
        {
            var t = rows.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts);
            var byClerk = rows.Where(r => r.Key.ClerkId is not null)
                .GroupBy(r => r.Key.ClerkId!, StringComparer.Ordinal)
                .Select(g => ClerkFunnel.From(g.Key, g.Aggregate(default(FunnelCounts), (a, r) => a + r.Counts), Trend.Of(from, to, g.Select(r => (r.Key.Day, r.Counts)))))
                .OrderByDescending(c => c.Revenue).ThenByDescending(c => c.Leads).ThenBy(c => c.ClerkId, StringComparer.Ordinal)
                .ToList();
            return new FunnelResponse(settings.StoreId, from, to, settings.TimeZone, settings.Currency,
                t.Scans, t.Leads, t.Joined, t.TrialsBooked, t.TrialsCompleted, t.Questions, t.ServiceRate, t.Complaints, t.ComplaintRate, t.Purchases, t.Revenue, t.FirstPurchases, t.Repurchases, t.CrossStorePurchases, t.ConversionRate,
                t.StoreSales, t.StoreSalesRevenue, t.Refunds, t.RefundedAmount, t.PurchaseConflicts, byClerk, Trend.Of(from, to, rows.Select(r => (r.Key.Day, r.Counts))));
        }
    }

    /// <summary>serviceRate: questions answered by their deadline ÷ those answered or breached; complaintRate: complaints ÷ new leads.</summary>
    internal sealed record ClerkFunnel(
        string ClerkId, long Scans, long Leads, long Joined, long TrialBooked, long TrialCompleted, long Questions,
        long Purchases, decimal Revenue, long FirstPurchases, long CrossStorePurchases, double? ConversionRate, double? ServiceRate, double? ComplaintRate,
        List<TrendDay> Daily)
    {
        public static ClerkFunnel From(string clerkId, FunnelCounts c, List<TrendDay> daily) =>
            new(clerkId, c.Scans, c.Leads, c.Joined, c.TrialsBooked, c.TrialsCompleted, c.Questions,
                c.Purchases, c.Revenue, c.FirstPurchases, c.CrossStorePurchases, c.ConversionRate, c.ServiceRate, c.ComplaintRate, daily);
    }
}
