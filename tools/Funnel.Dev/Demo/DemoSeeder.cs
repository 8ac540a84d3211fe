namespace Funnel.Dev.Demo;

/// <summary>
/// Sets the chain up through the API, as HQ would. Safe to run again on the same storage: PUT is an upsert, codes
/// are deterministic, an existing campaign (409) is reused, the same poster is recognised as a duplicate, and a push
/// never resets a store's acks.
/// </summary>
internal sealed class DemoSeeder(DemoApi api, DemoTokens tokens, AppClock clock, DemoLog log)
{
    /// <summary>Seeds everything; returns the campaign's asset id, or null when a step failed (the errors are printed).</summary>
    public async Task<string?> SeedAsync(IReadOnlyList<ChainStore> stores, DemoOptions options, CancellationToken ct)
    {
        var errorsBefore = api.Errors;
        await Task.WhenAll(stores.Select(s => api.PutJsonAsync($"/api/stores/{s.StoreId}", tokens.Hq,
            new { name = s.Name, region = s.Region, timeZone = "Asia/Shanghai", currency = "CNY" }, ct)));
        await Task.WhenAll(stores.SelectMany((s, i) => s.ClerkIds.Select((c, k) => api.PutJsonAsync($"/api/stores/{s.StoreId}/clerks/{c}", tokens.Hq,
            new { name = DemoChain.ClerkName(i, k, options.Clerks) }, ct))));
        await Task.WhenAll(stores.Select(s => CreateCodesAsync(s, ct)));
        if (api.Errors > errorsBefore) return null;
        log.Line($"seeded {stores.Count} stores in {stores.Select(s => s.Region).Distinct().Count()} regions, {stores.Sum(s => s.ClerkIds.Count)} clerks, " +
                 $"{stores.Sum(s => 1 + s.ClerkCodes.Count)} codes");

        var assetId = await SetUpCampaignAsync(options, ct);
        return api.Errors > errorsBefore ? null : assetId;
    }

    private async Task CreateCodesAsync(ChainStore store, CancellationToken ct)
    {
        var storeCode = await api.PostJsonAsync($"/api/stores/{store.StoreId}/codes", tokens.Hq,
            new { campaignId = DemoChain.CampaignId, channel = "door-poster" }, ct);
        store.StoreCode = storeCode.Text("code") ?? "";
        foreach (var clerk in store.ClerkIds)
        {
            var code = await api.PostJsonAsync($"/api/stores/{store.StoreId}/codes", tokens.Hq, new { clerkId = clerk, channel = "till" }, ct);
            if (code.Text("code") is { } c) store.ClerkCodes[clerk] = c;
        }
    }

    /// <summary>The campaign, its poster, and a push to every store; waits (bounded) until the push has reached them.</summary>
    private async Task<string?> SetUpCampaignAsync(DemoOptions options, CancellationToken ct)
    {
        var now = clock.Now;
        var created = await api.PostJsonAsync("/api/campaigns", tokens.Hq,
            new { campaignId = DemoChain.CampaignId, name = DemoChain.CampaignName, startsAt = now, endsAt = now.AddDays(options.Days + 1) }, ct,
            alsoFine: (int)System.Net.HttpStatusCode.Conflict);
        if (!created.Ok && created.Status != (int)System.Net.HttpStatusCode.Conflict) return null;

        var poster = DemoChain.Poster();
        var asset = await api.SendAsync(HttpMethod.Post, $"/api/campaigns/{DemoChain.CampaignId}/assets?name={DemoChain.AssetName}&contentType=image/png",
            tokens.Hq, () => new ByteArrayContent(poster), ct);
        if (asset.Text("assetId") is not { } assetId) return null;

        var push = await api.PostJsonAsync($"/api/campaigns/{DemoChain.CampaignId}/push", tokens.Hq, new { all = true }, ct);
        if (!push.Ok) return null;
        var complete = false;
        for (var i = 0; i < 60 && !complete; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            complete = (await api.GetAsync($"/api/campaigns/{DemoChain.CampaignId}/push", tokens.Hq, ct)).Flag("complete");
        }
        log.Line($"campaign '{DemoChain.CampaignId}' {(created.Ok ? "created" : "exists, reused")}; poster {assetId} " +
                 $"({poster.Length} bytes{(asset.Flag("duplicate") ? ", same as before" : "")}); pushed to all stores" +
                 (complete ? "" : " (the push is still being delivered; early acks may miss)"));
        return assetId;
    }
}
