using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.Leads;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App.Auth;

/// <summary>Who may act on a lead brand-wide (points, consent, export, erasure): the shopper's own session, hq, or the staff of a store the lead belongs to.</summary>
internal static class LeadAccess
{
    /// <summary>The caller, or the problem that refuses it (a lead not at the staff's store is not found: its existence elsewhere is not revealed).</summary>
    public static async Task<(JourneyCaller? Caller, ProblemHttpResult? Refused)> CheckAsync(
        string leadId, HttpContext http, ShopperSessions sessions, LeadRepository leads, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        if (!LeadIdHasher.LooksLikeLeadId(leadId)) return (null, Problems.BadLeadId());
        var (caller, refused) = ShopperAccess.Check(http, sessions, time.GetUtcNow(), leadId, null);
        if (refused is not null) return (null, refused);
        if (caller!.IsStaff && !http.User.IsInRole(Roles.Hq))
        {
            var index = await leads.GetIndexAsync(leadId, cancellationToken);
            if (index?.StoreIds.Contains(caller.StoreId ?? "") != true) return (null, Problems.NotFound($"No lead '{leadId}' is known at your store."));
        }
        return (caller, null);
    }
}
