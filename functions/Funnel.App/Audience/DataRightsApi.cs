using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Audience;

/// <summary>The shopper's data rights (export, erasure: the shopper with their session, or HQ) and HQ's audit of staff actions.</summary>
internal static class DataRightsApi
{
    public const int MaxAuditDays = 31;

    public static IEndpointRouteBuilder MapDataRightsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/leads/{leadId}/export", Export).WithName("ExportLead").WithTags("Audience")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapDelete("/api/leads/{leadId}", Erase).WithName("EraseLead").WithTags("Audience")
            .ForStaffOrShopper()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapGet("/api/audit", GetAudit).WithName("GetAudit").WithTags("Audience").RequireAuthorization(p => p.RequireRole(Roles.Hq))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>The shopper or HQ only: a store's staff see a lead through the lead's page, not as a bulk copy.</summary>
    private static ProblemHttpResult? ShopperOrHq(HttpContext http, ShopperSessions sessions, string leadId, TimeProvider time, out bool staff)
    {
        staff = false;
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        if (ShopperAccess.IsStaff(http.User) && !http.User.IsInRole(Roles.Hq))
        {
            return Problems.Forbidden("Only the shopper (with their session) or HQ may export or erase a lead's data.");
        }
        var (caller, refused) = ShopperAccess.Check(http, sessions, time.GetUtcNow(), leadId, null);
        staff = caller?.IsStaff == true;
        return refused;
    }

    internal static async Task<Results<Ok<LeadExportDocument>, ProblemHttpResult>> Export(
        string leadId, HttpContext http, ShopperSessions sessions, LeadExport export, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ShopperOrHq(http, sessions, leadId, time, out _) is { } refused) return refused;
        var document = await export.BuildAsync(leadId, cancellationToken);
        if (document is null) return Problems.NotFound($"Nothing is held about lead '{leadId}'.");
        await audit.RecordAsync(http.User, "lead.export", leadId, null, cancellationToken);
        return TypedResults.Ok(document);
    }

    /// <summary>Erases the lead (<see cref="LeadErasure"/>): 204 when done, also when nothing was held (it is idempotent).</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> Erase(
        string leadId, HttpContext http, ShopperSessions sessions, LeadErasure erasure, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ShopperOrHq(http, sessions, leadId, time, out _) is { } refused) return refused;
        var result = await erasure.EraseAsync(leadId, cancellationToken);
        await audit.RecordAsync(http.User, "lead.erase", leadId, result.Held ? $"{result.Stores} stores, {result.Rows} rows, {result.Instances} engine instances" : "nothing held", cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Staff actions on a lead's data, oldest first: of one lead, or of every lead from <c>from</c> to <c>to</c> (at most 31 days; default the last day).</summary>
    internal static async Task<Results<Ok<AuditResponse>, ProblemHttpResult>> GetAudit(
        string? leadId, DateTimeOffset? from, DateTimeOffset? to, int? limit, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (leadId is not null && !LeadIdHasher.LooksLikeLeadId(leadId)) return Problems.BadLeadId();
        var end = to ?? time.GetUtcNow();
        var start = from ?? (leadId is null ? end.AddDays(-1) : DateTimeOffset.UnixEpoch);
        if (start > end) return Problems.BadRequest("from is before to.");
        if (leadId is null && end - start > TimeSpan.FromDays(MaxAuditDays)) return Problems.BadRequest($"Without a leadId the period is at most {MaxAuditDays} days.");
        if (limit is < 1 or > AuditLog.MaxPage) return Problems.BadRequest($"limit is 1 to {AuditLog.MaxPage}.");
        var entries = await audit.QueryAsync(leadId, start, end, limit ?? AuditLog.MaxPage, cancellationToken);
        return TypedResults.Ok(new AuditResponse(leadId, start, end, entries));
    }

    internal sealed record AuditResponse(string? LeadId, DateTimeOffset From, DateTimeOffset To, List<AuditEntry> Entries);
}
