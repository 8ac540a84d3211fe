using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Funnel.App.WeCom;

/// <summary>WeCom's answer to a call as a 502 problem that says what to do, or null when the exception is not WeCom's.</summary>
internal static class WeComProblems
{
    public static ProblemHttpResult? Of(Exception e, WeComOptions options, string hint) => e switch
    {
        WeComException refused => Problems.Create(StatusCodes.Status502BadGateway, "wecom-refused", "WeCom refused the call", $"{refused.Message}. {hint}"),
        _ when WeComClient.IsUnreachable(e) => Problems.Create(StatusCodes.Status502BadGateway, "wecom-unreachable", "WeCom did not answer",
            $"WeCom's API ({options.BaseUrl}) did not answer ({e.GetType().Name}) after the client's retries; try again."),
        _ => null,
    };

    /// <summary>404: the WeCom channel is off on this app, and how to turn it on.</summary>
    public static ProblemHttpResult ChannelOff() =>
        Problems.NotFound("The WeCom channel is not configured on this app: set WeCom__CorpId, WeCom__Token and WeCom__EncodingAesKey (README, \"WeCom\").");
}

/// <summary>A store's WeCom customer groups: register one a clerk made in WeCom, and see them with their sizes and which the join ways list.</summary>
internal static class WeComGroupsApi
{
    public static IEndpointRouteBuilder MapWeComGroupsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stores/{storeId}/wecom/groups").WithTags("WeCom");
        api.MapPut("/{chatId}", PutGroup).WithName("PutWeComGroup").RequireStoreScope(Roles.Hq, Roles.Store)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapGet("", GetGroups).WithName("GetWeComGroups").RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// Registers a customer group (its WeCom chat id) as the store's: its size is read from WeCom, and the store's join
    /// ways list it while it has room. The store's first group is registered this way (WeCom has no API that makes a
    /// customer group); the ones WeCom opens when the listed groups are full join by themselves.
    /// </summary>
    internal static async Task<Results<Ok<WeComGroupsResponse>, ValidationProblem, ProblemHttpResult>> PutGroup(
        string storeId, string chatId, StoreRepository stores, IOptions<WeComOptions> options, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (Off(options.Value) is { } off) return off;
        var v = new Validation();
        if (chatId.Length is 0 or > 64 || !chatId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) v.Add("chatId", "A WeCom chat id is 1–64 letters, digits, '-' or '_' (groupchat/list gives them).");
        if (!v.IsValid) return v.Problem();
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        var groups = services.GetRequiredService<WeComGroups>();
        try
        {
            await groups.RegisterAsync(storeId, chatId, cancellationToken);
        }
        catch (Exception e) when (WeComProblems.Of(e, options.Value, "The chat id must be a customer group (客户群) whose owner is in the app's customer-contact scope.") is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await ResponseAsync(groups, storeId, cancellationToken));
    }

    internal static async Task<Results<Ok<WeComGroupsResponse>, ProblemHttpResult>> GetGroups(
        string storeId, StoreRepository stores, IOptions<WeComOptions> options, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (Off(options.Value) is { } off) return off;
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        return TypedResults.Ok(await ResponseAsync(services.GetRequiredService<WeComGroups>(), storeId, cancellationToken));
    }

    private static ProblemHttpResult? Off(WeComOptions options) => options.IsEnabled ? null : WeComProblems.ChannelOff();

    private static async Task<WeComGroupsResponse> ResponseAsync(WeComGroups groups, string storeId, CancellationToken cancellationToken)
    {
        var (chats, listed) = await groups.ListedAsync(storeId, cancellationToken);
        return new WeComGroupsResponse(storeId, [.. chats.Select(c => new WeComGroupResponse(c.ChatId, c.Members, c.Dismissed, listed.Contains(c.ChatId, StringComparer.Ordinal), c.AddedAt))]);
    }

    internal sealed record WeComGroupsResponse(string StoreId, List<WeComGroupResponse> Groups);

    /// <summary>members: WeCom's count at its last event; listed: the store's join ways offer it now.</summary>
    internal sealed record WeComGroupResponse(string ChatId, int Members, bool Dismissed, bool Listed, DateTimeOffset AddedAt);
}
