using System.Security.Claims;
using Funnel.App.Auth;
using Funnel.App.Extensions;
using Funnel.App.Storage;
using Funnel.App.WeCom;
using Funnel.Core.Codes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using QRCoder;

namespace Funnel.App.Apis;

internal static class CodesApi
{
    public static IEndpointRouteBuilder MapCodesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/stores/{storeId}/codes", CreateCode).WithName("CreateCode").WithTags("Codes")
            .RequireStoreScope(Roles.Hq, Roles.Store, Roles.Clerk).WithRequestSizeLimit(4 * 1024)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        app.MapGet("/api/codes/{code}/qr.png", GetQrPng).WithName("GetQrPng").WithTags("Codes")
            .AllowAnonymous().RequireRateLimiting(HostingExtensions.PublicRateLimit)
            .Produces<Stream>(StatusCodes.Status200OK, "image/png").ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>
    /// Issues a signed code. Codes are not stored: the signature is the proof, and the same inputs always
    /// give the same code, so issuing one twice is harmless. Campaign ids are tags until campaigns exist.
    /// A clerk gets codes for themselves only (their till QR): clerkId is theirs, given or not.
    /// With the WeCom channel on, a clerk's code is also a WeCom "contact me" way (made once, see <see cref="WeComWays"/>)
    /// and a store's code a group join way over the store's WeCom groups (once it has one, see <see cref="WeComGroups"/>):
    /// the answer's <c>weCom.qrCode</c> is the QR shoppers scan in WeCom; a refusal from WeCom is a 502 saying why.
    /// </summary>
    internal static async Task<Results<Created<CodeResponse>, ValidationProblem, ProblemHttpResult>> CreateCode(
        string storeId, CodeRequest body, HttpRequest request, ClaimsPrincipal user, StoreRepository stores, CodeSigner signer,
        IOptions<FunnelOptions> options, IOptions<WeComOptions> weComOptions, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (user.IsInRole(Roles.Clerk) && !user.IsInRole(Roles.Store) && !user.IsInRole(Roles.Hq))
        {
            var own = user.FindFirstValue(Roles.ClerkIdClaim);
            if (body.ClerkId is not null && body.ClerkId != own) return Problems.Forbidden($"A clerk token issues codes for its own clerk ('{own}') only.");
            body = body with { ClerkId = own };
        }
        var v = new Validation();
        v.Id("channel", body.Channel);
        if (Core.Kocs.LeadChannel.ReservedBy(body.Channel) is { } reserved)
        {
            v.Add("channel", reserved == Core.Kocs.LeadChannel.Koc
                ? $"Channels starting '{reserved.Prefix}' are a KOC's code: PUT /api/stores/{{storeId}}/kocs/{{leadId}} makes it."
                : $"Channels starting '{reserved.Prefix}' are a lead's share code: POST /api/leads/{{leadId}}/share-code makes it.");
        }
        v.Id("clerkId", body.ClerkId, required: false);
        v.Id("campaignId", body.CampaignId, required: false);
        if (!v.IsValid) return v.Problem();
        if (await stores.GetAsync(storeId, cancellationToken) is null) return Problems.NotFound($"Store '{storeId}' does not exist.");
        if (body.ClerkId is not null && await stores.GetClerkNameAsync(storeId, body.ClerkId, cancellationToken) is null)
        {
            return Problems.NotFound($"Clerk '{body.ClerkId}' does not exist at store '{storeId}'; add them with PUT /api/stores/{storeId}/clerks/{body.ClerkId}.");
        }

        var entry = new EntryCode(storeId, body.ClerkId, body.CampaignId, body.Channel!);
        var code = signer.Sign(entry);
        var (weCom, problem) = await WeComWayAsync(entry, code, services, weComOptions.Value, groupWay: true, cancellationToken);
        if (problem is not null) return problem;
        var response = Response(code, request, options, weCom);
        return TypedResults.Created(response.QrPngUrl, response);
    }

    /// <summary>The code's links: where it scans, and its QR.</summary>
    internal static CodeResponse Response(string code, HttpRequest request, IOptions<FunnelOptions> options, WeComWay? weCom = null)
    {
        var baseUrl = PublicUrls.Base(request, options);
        return new CodeResponse(code, $"{baseUrl}/s/{code}", $"{baseUrl}/api/codes/{code}/qr.png", weCom);
    }

    /// <summary>
    /// With the WeCom channel on: a code with a clerk as the clerk's "contact me" way, a store's code (with
    /// <paramref name="groupWay"/>) as the join way over the store's groups; a refusal from WeCom is a 502 saying why.
    /// </summary>
    internal static async Task<(WeComWay? Way, ProblemHttpResult? Problem)> WeComWayAsync(
        EntryCode entry, string code, IServiceProvider services, WeComOptions weCom, bool groupWay, CancellationToken cancellationToken)
    {
        if (!weCom.IsEnabled || (entry.ClerkId is null && !groupWay)) return (null, null);
        try
        {
            var way = entry.ClerkId is not null
                ? await services.GetRequiredService<WeComWays>().EnsureAsync(entry, code, cancellationToken)
                : await services.GetRequiredService<WeComGroups>().EnsureJoinWayAsync(entry, code, cancellationToken);
            return (way is null ? null : new WeComWay(way.ConfigId, way.QrCode), null);
        }
        catch (Exception e) when (WeComProblems.Of(e, weCom, entry.ClerkId is null
            ? "The store's registered WeCom groups must be customer groups the app may manage (客户联系 → 客户群)."
            : "The clerk id is used as the clerk's WeCom UserID: the clerk must be a WeCom member with customer contact enabled (客户联系).") is { } problem)
        {
            return (null, problem);
        }
    }

    internal static Results<FileContentHttpResult, ProblemHttpResult> GetQrPng(
        string code, HttpRequest request, CodeSigner signer, IOptions<FunnelOptions> options, HttpResponse response)
    {
        if (!signer.TryVerify(code, out _, out var error)) return Problems.BadRequest(error);
        var scanUrl = $"{PublicUrls.Base(request, options)}/s/{code}";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(scanUrl, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(8);
        // Cached by anyone only when the URL inside does not come from the request's Host header (which a client picks).
        response.Headers.CacheControl = options.Value.PublicBaseUrl is { Length: > 0 } ? "public, max-age=86400" : "no-store";
        return TypedResults.File(png, "image/png");
    }

    internal sealed record CodeRequest(string? ClerkId, string? CampaignId, string? Channel);

    internal sealed record CodeResponse(string Code, string ScanUrl, string QrPngUrl, WeComWay? WeCom = null);

    /// <summary>The code's WeCom "contact me" way: its id in WeCom and the QR code shoppers scan in WeCom.</summary>
    internal sealed record WeComWay(string ConfigId, string QrCode);
}
