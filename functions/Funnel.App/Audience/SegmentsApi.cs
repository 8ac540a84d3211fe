using System.Security.Claims;
using System.Text.Json;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.Core.Audience;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Audience;

/// <summary>Segments: HQ's over the chain or a region, a store's over its own members; saved, and previewed (a count and a sample).</summary>
internal static class SegmentsApi
{
    public const int MaxSample = 100;

    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/segments").WithTags("Audience").RequireAuthorization(p => p.RequireRole(Roles.Hq, Roles.Store));
        api.MapPost("", PostSegment).WithName("PostSegment").ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("", GetSegments).WithName("GetSegments");
        api.MapPost("/preview", PreviewDraft).WithName("PreviewSegmentDraft").ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/{segmentId}/preview", Preview).WithName("PreviewSegment").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<Created<Segment>, Ok<Segment>, ProblemHttpResult, ValidationProblem>> PostSegment(
        SegmentRequest body, ClaimsPrincipal user, SegmentStore segments, TimeProvider time, CancellationToken cancellationToken)
    {
        var (scope, filter, refused, invalid) = Check(body, user);
        if (refused is not null) return refused;
        if (invalid is not null) return invalid;
        var v = new Validation();
        var name = v.RequireText("name", body.Name, 100);
        v.Id("segmentId", body.SegmentId, required: false);
        if (!v.IsValid) return v.Problem();
        var segment = new Segment(body.SegmentId ?? Guid.NewGuid().ToString("N")[..12], name!, scope!, filter!, time.GetUtcNow(), AudienceApi.Actor(user),
            user.IsInRole(Roles.Hq) ? null : scope!.StoreId);
        var (stored, created) = await segments.AddAsync(segment, cancellationToken);
        if (created) return TypedResults.Created($"/api/segments/{stored.SegmentId}/preview", stored);
        return Same(stored, segment) ? TypedResults.Ok(stored)
            : Problems.Create(StatusCodes.Status409Conflict, "segment-exists", "Another segment has this id", $"Segment '{segment.SegmentId}' exists with another definition; choose a new segmentId.");
    }

    private static bool Same(Segment a, Segment b) =>
        JsonSerializer.Serialize(a with { CreatedAt = default, CreatedBy = "" }, SegmentStore.Json) == JsonSerializer.Serialize(b with { CreatedAt = default, CreatedBy = "" }, SegmentStore.Json);

    internal static async Task<Ok<List<Segment>>> GetSegments(ClaimsPrincipal user, SegmentStore segments, CancellationToken cancellationToken)
    {
        var all = await segments.ListAsync(cancellationToken);
        var own = user.FindFirstValue(Roles.StoreIdClaim);
        return TypedResults.Ok(user.IsInRole(Roles.Hq) ? all : [.. all.Where(s => s.OwnerStoreId == own)]);
    }

    /// <summary>A saved segment's count and a sample of <c>sample</c> members (default 20), evaluated now.</summary>
    internal static async Task<Results<Ok<PreviewResponse>, ProblemHttpResult>> Preview(
        string segmentId, int? sample, ClaimsPrincipal user, SegmentStore segments, SegmentEvaluator evaluator, TimeProvider time, CancellationToken cancellationToken)
    {
        if (sample is < 0 or > MaxSample) return Problems.BadRequest($"sample is 0 to {MaxSample}.");
        var segment = await segments.GetAsync(segmentId, cancellationToken);
        if (segment is null || (!user.IsInRole(Roles.Hq) && segment.OwnerStoreId != user.FindFirstValue(Roles.StoreIdClaim)))
        {
            return Problems.NotFound($"No segment '{segmentId}' is yours; create one with POST /api/segments.");
        }
        return TypedResults.Ok(await PreviewAsync(segmentId, segment.Scope, segment.Filter, sample ?? 20, evaluator, time, cancellationToken));
    }

    /// <summary>An unsaved definition's count and sample: the live count while a segment is being built.</summary>
    internal static async Task<Results<Ok<PreviewResponse>, ProblemHttpResult, ValidationProblem>> PreviewDraft(
        SegmentRequest body, ClaimsPrincipal user, SegmentEvaluator evaluator, TimeProvider time, CancellationToken cancellationToken)
    {
        var (scope, filter, refused, invalid) = Check(body, user);
        if (refused is not null) return refused;
        if (invalid is not null) return invalid;
        return TypedResults.Ok(await PreviewAsync(null, scope!, filter!, 20, evaluator, time, cancellationToken));
    }

    private static async Task<PreviewResponse> PreviewAsync(
        string? segmentId, SegmentScope scope, SegmentFilter filter, int sample, SegmentEvaluator evaluator, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await evaluator.EvaluateAsync(scope, filter, now, cancellationToken);
        return new PreviewResponse(segmentId, result.Members.Count, [.. result.Members.Take(sample).Select(m =>
            new SampleMember(m.LeadId, m.StoreId, m.Stage, m.Tags, m.LastActivityAt, m.Purchases))], result.Stores, result.RowsRead,
            Math.Round(result.Took.TotalMilliseconds, 1), now);
    }

    /// <summary>The scope and filter, or why not: a store token builds over its own store only.</summary>
    private static (SegmentScope?, SegmentFilter?, ProblemHttpResult?, ValidationProblem?) Check(SegmentRequest body, ClaimsPrincipal user)
    {
        var v = new Validation();
        var scope = body.Scope ?? new SegmentScope(user.IsInRole(Roles.Hq) ? SegmentScope.Chain : SegmentScope.Store, StoreId: user.FindFirstValue(Roles.StoreIdClaim));
        switch (scope.Kind)
        {
            case SegmentScope.Chain: scope = new SegmentScope(SegmentScope.Chain); break;
            case SegmentScope.RegionKind: v.RequireText("scope.region", scope.Region, 64); scope = scope with { StoreId = null }; break;
            case SegmentScope.Store: v.Id("scope.storeId", scope.StoreId); scope = scope with { Region = null }; break;
            default: v.Add("scope.kind", "scope.kind is chain, region or store."); break;
        }
        var filter = body.Filter ?? new SegmentFilter();
        foreach (var (field, error) in filter.Errors()) v.Add(field, error);
        if (!v.IsValid) return (null, null, null, v.Problem());
        if (!user.IsInRole(Roles.Hq) && (scope.Kind != SegmentScope.Store || scope.StoreId != user.FindFirstValue(Roles.StoreIdClaim)))
        {
            return (null, null, Problems.Forbidden("A store's segment covers its own store: scope { kind: \"store\", storeId: your store }."), null);
        }
        return (scope, filter, null, null);
    }

    /// <summary>scope: { kind: chain | region | store, region, storeId } (default: hq the chain, a store its own); filter: see SegmentFilter.</summary>
    internal sealed record SegmentRequest(string? SegmentId, string? Name, SegmentScope? Scope, SegmentFilter? Filter);

    internal sealed record SampleMember(string LeadId, string StoreId, string? Stage, IReadOnlyList<string> Tags, DateTimeOffset LastActivityAt, int Purchases);

    /// <summary>count: distinct leads; stores: store partitions read; rowsRead: table rows read to answer; tookMs: the evaluation's time.</summary>
    internal sealed record PreviewResponse(string? SegmentId, int Count, List<SampleMember> Sample, int Stores, long RowsRead, double TookMs, DateTimeOffset EvaluatedAt);
}
