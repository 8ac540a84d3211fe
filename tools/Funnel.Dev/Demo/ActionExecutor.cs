namespace Funnel.Dev.Demo;

/// <summary>
/// Sends one planned action through the real API, as the shopper's page, the clerk's app or the till would, and
/// records what the app acknowledged. Steps of one shopper run in order (a journey event's step ends when the
/// journey has applied it, see <see cref="JourneyOutcomes"/>); everything else runs concurrently, bounded by
/// <see cref="DemoApi"/>.
/// </summary>
internal sealed class ActionExecutor(
    DemoApi api, DemoTokens tokens, AppClock clock, DemoStats stats, JourneyOutcomes outcomes, string assetId, DateTimeOffset simStart, DemoPoints points, DemoWeCom? weCom = null)
{
    /// <summary>
    /// A planned slot closer than this to the app's now (the run fell behind the clock) moves to a day after now:
    /// the app refuses a slot that is not after the booking.
    /// </summary>
    private static readonly TimeSpan MinSlotLead = TimeSpan.FromHours(6);

    /// <summary>
    /// A sale is stamped at most this long after its planned distance from the shopper's first scan (read off the app's
    /// estimated clock when the scan was answered): more than that estimate can be off by, far less than the 30-day
    /// attribution window minus the longest planned distance (about 23 days).
    /// </summary>
    private static readonly TimeSpan ScanClockMargin = TimeSpan.FromHours(6);

    /// <summary>A session this close to its expiry (app time) is not used: the request may arrive after it.</summary>
    private static readonly TimeSpan SessionMargin = TimeSpan.FromHours(2);

    private long _sales;

    public Task Dispatch(SimAction action, CancellationToken ct) => action switch
    {
        ScanAction a => a.Shopper.Then(() => ScanAsync(a, ct)),
        EventAction a => a.Shopper.Then(() => EventAsync(a, ct)),
        PurchaseAction { Sale.Shopper: { } shopper } a => shopper.Then(() => PurchaseAsync(a, ct)), // after the shopper's scan
        PurchaseAction a => PurchaseAsync(a, ct),
        AckAction a => AckAsync(a, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action.GetType().Name),
    };

    private async Task ScanAsync(ScanAction a, CancellationToken ct)
    {
        var shopper = a.Shopper;
        if (a.Repeat && shopper.LeadId is null)
        {
            stats.Skipped();
            return;
        }
        var store = shopper.Home;
        var code = shopper.Code ??= points.CodeFor(shopper, shopper.CodeClerkId is { } clerk ? store.ClerkCodes[clerk] : store.StoreCode);
        ApiResult r;
        if (weCom is not null && shopper.CodeClerkId is { } adder && shopper.ShopperId.StartsWith(DemoWeCom.IdentityPrefix, StringComparison.Ordinal))
        {
            // The clerk adds the customer on WeCom: the callback is the scan (no shopper session: the clerk records their steps).
            (r, var leadId) = await weCom.AddAsync(api, shopper.ShopperId, code, adder, a.Repeat, ct);
            if (!r.Ok) return;
            shopper.LeadId ??= leadId;
        }
        else
        {
            r = await api.PostJsonAsync("/api/scans", null, new { code, shopperId = shopper.ShopperId, scanId = a.ScanId }, ct);
            if (!r.Ok) return;
            shopper.LeadId ??= r.Text("leadId");
        }
        if (r.Text("session") is { } session && r.Body.TryGetProperty("sessionExpiresAt", out var expires)) shopper.Session = (session, expires.GetDateTimeOffset());
        if (!a.Repeat) shopper.FirstScan ??= (a.At, clock.Now);
        // A replay answers as the first time and counts nothing, unless it is our own retry of an attempt that was applied.
        if (r.Flag("replayed") && r.Attempts == 1) return;
        // An anonymous scan does not say whether the lead is new: the shopper's first counted scan at their store made it.
        var isNewAtStore = !shopper.CountedAtHome;
        shopper.CountedAtHome = true;
        stats.Add(store.StoreId, new Tally { Scans = 1, Leads = isNewAtStore ? 1 : 0 });
        points.Scanned(shopper, isNewAtStore);
    }

    private async Task EventAsync(EventAction a, CancellationToken ct)
    {
        var shopper = a.Shopper;
        if (shopper.LeadId is not { } leadId)
        {
            stats.Skipped();
            return;
        }
        // The shopper's own steps go with the session their scan answered. Days later (app time) it has expired, and
        // their clerk records the step for them, as a clerk does for a shopper who writes in the group chat.
        var clerk = tokens.Clerk(shopper.Home.StoreId, shopper.ServingClerkId);
        var session = a.ByStaff || shopper.Session is not { } s || s.ExpiresAt < clock.Now + SessionMargin ? null : s.Token;
        // "at" is left out, so the app stamps each event with its own clock. A booking states its slot, worked out
        // when the request gets its turn (not before waiting for it): the planned one, or a day on when the run has
        // fallen behind the app's clock and the planned slot is (nearly) past.
        object Body()
        {
            DateTimeOffset? slot = null;
            if (a.Slot is { } planned)
            {
                var now = clock.Now;
                slot = simStart + planned > now + MinSlotLead ? simStart + planned : now + TimeSpan.FromDays(1);
            }
            return new { type = a.Type, eventId = a.EventId, data = new { slot, questionId = a.QuestionId } };
        }
        var path = $"/api/leads/{leadId}/events?storeId={shopper.Home.StoreId}";
        Task<ApiResult> Send(CancellationToken c) => session is null
            ? api.PostJsonAsync(path, clerk, Body, c)
            : api.SendAsync(HttpMethod.Post, path, null, () => System.Net.Http.Json.JsonContent.Create(Body(), options: DemoApi.Json), c, alsoFine: (int)System.Net.HttpStatusCode.Unauthorized, session: session);
        var r = await Send(ct);
        if (r.Status == (int)System.Net.HttpStatusCode.Unauthorized && session is not null)
        {
            session = null; // it expired while the request waited its turn (the run is behind the app's clock): the clerk records it
            r = await Send(ct);
        }
        if (!r.Ok) return;
        // 202: queued for the journey. It counts once the journey applied it (or found our own retry a duplicate of
        // an attempt it applied); the shopper's next step waits for that, as a front end showing the result would.
        if (outcomes.Accepted(r, shopper.Home.StoreId, a.Type, Send, clerk) is { } sent)
        {
            await outcomes.FollowAsync(sent, ct);
        }
    }

    /// <summary>
    /// Posts the sale with a pos token of the selling store, stamped with the app's clock read just now (so it is
    /// after the shopper's scan, which the app checks), or, when the shopper's steps fell behind the app's clock (each
    /// journey event waits for its outcome), at its planned distance from their scan, as a till reporting a sale late
    /// would: the app credits a sale within the attribution window after the scan, and the plan keeps every sale in it.
    /// Every <see cref="DemoRates.PosDuplicateEvery"/>th sale is
    /// posted twice at once, as a till retrying would: the two deliveries race, and the app must count one.
    /// </summary>
    private async Task PurchaseAsync(PurchaseAction a, CancellationToken ct)
    {
        var sale = a.Sale;
        if (sale.Shopper is { LeadId: null })
        {
            stats.Skipped();
            return;
        }
        if (await clock.ReadNowAsync(ct) is not { } purchasedAt) return;
        if (sale.Shopper?.FirstScan is { } scan && scan.AppTime + (a.At - scan.Planned) + ScanClockMargin is var planned && planned < purchasedAt)
        {
            purchasedAt = planned;
        }
        var body = new
        {
            purchaseId = sale.PurchaseId, storeId = sale.SellingStore.StoreId, shopperId = sale.ShopperId, amount = sale.Amount, currency = "CNY",
            items = sale.Lines.Select(l => new { sku = l.Sku, qty = l.Qty, price = l.Price }).ToList(), purchasedAt, channel = "pos",
        };
        var token = tokens.Pos(sale.SellingStore.StoreId);
        var twice = Interlocked.Increment(ref _sales) % DemoRates.PosDuplicateEvery == 1;
        var posts = await Task.WhenAll(Enumerable.Range(0, twice ? 2 : 1).Select(_ => api.PostJsonAsync("/api/purchases", token, body, ct)));
        var accepted = posts.Count(p => p.Ok);
        if (accepted == 0) return;
        for (var i = 0; i < accepted; i++) stats.PurchasePosted();
        if (accepted == 2) stats.Duplicate();

        stats.Add(sale.SellingStore.StoreId, new Tally { StoreSales = 1, StoreSalesRevenue = sale.Amount });
        points.Sold(sale);
        if (sale.Shopper is { } shopper)
        {
            // Credited to the store that recruited the shopper, wherever they bought (all purchases fall in its window).
            stats.Add(shopper.Home.StoreId, new Tally { Purchases = 1, Revenue = sale.Amount });
            if (sale.SellingStore != shopper.Home) stats.CrossStore();
        }
        else
        {
            stats.WalkIn();
        }
    }

    private async Task AckAsync(AckAction a, CancellationToken ct)
    {
        var store = a.Store;
        var r = await api.PostJsonAsync($"/api/stores/{store.StoreId}/assets/{assetId}/ack", tokens.Clerk(store.StoreId, store.ClerkIds[0]), new { action = a.Action }, ct);
        if (r.Ok) stats.Ack();
    }
}
