using System.Globalization;
using System.Security.Claims;
using Azure.Data.Tables;
using Funnel.App.Auth;
using Funnel.App.Storage;

namespace Funnel.App.Audience;

/// <summary>One staff action on a lead's data: who (role, subject, store, clerk), what, when, and a short detail.</summary>
internal sealed record AuditEntry(DateTimeOffset At, string Action, string? LeadId, string Role, string? Subject, string? StoreId, string? ClerkId, string? Detail);

/// <summary>
/// Every staff action that reads or changes a lead's personal data, consent, points or tags, written twice (table
/// "audit"): in the lead's partition ("lead|{leadId}") and the day's ("day|{yyyy-MM-dd}", UTC), each row keyed by its
/// time, so HQ reads a lead's or a period's actions with one range query. A shopper's own actions are not staff
/// actions: their consent records say how they chose. The audit outlives an erasure: it holds the lead's pseudonymous
/// id, never what was read.
/// </summary>
internal sealed class AuditLog(FunnelTables tables, TimeProvider time)
{
    public const int MaxPage = 500;

    /// <summary>Records the action when <paramref name="user"/> is staff (a shopper session or the app itself records nothing).</summary>
    public async Task RecordAsync(ClaimsPrincipal user, string action, string? leadId, string? detail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!ShopperAccess.IsStaff(user)) return;
        var at = time.GetUtcNow();
        var role = ShopperAccess.StaffRoles.First(user.IsInRole);
        var key = string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks:D19}|{Guid.NewGuid():N}");
        TableEntity Row(string partition) => new(partition, key)
        {
            ["At"] = at, ["Action"] = action, ["LeadId"] = leadId, ["Role"] = role,
            ["Subject"] = SubjectOf(user),
            ["StoreId"] = user.FindFirstValue(Roles.StoreIdClaim), ["ClerkId"] = user.FindFirstValue(Roles.ClerkIdClaim), ["Detail"] = detail,
        };
        var writes = new List<Task> { tables.Audit.AddEntityAsync(Row(DayPartition(at)), cancellationToken) };
        if (leadId is not null) writes.Add(tables.Audit.AddEntityAsync(Row(LeadPartition(leadId)), cancellationToken));
        await Task.WhenAll(writes);
    }

    /// <summary>Actions on a lead (or all actions, by day, without one) from <paramref name="from"/> to <paramref name="to"/>, oldest first.</summary>
    public async Task<List<AuditEntry>> QueryAsync(string? leadId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        var partitions = leadId is not null
            ? [LeadPartition(leadId)]
            : Enumerable.Range(0, (int)(to.UtcDateTime.Date - from.UtcDateTime.Date).TotalDays + 1).Select(d => DayPartition(from.AddDays(d))).ToList();
        var low = string.Create(CultureInfo.InvariantCulture, $"{from.UtcTicks:D19}");
        var high = string.Create(CultureInfo.InvariantCulture, $"{to.UtcTicks:D19}~");
        var entries = new List<AuditEntry>();
        foreach (var partition in partitions)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {low} and RowKey le {high}");
            await foreach (var e in tables.Audit.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                entries.Add(new AuditEntry(e.GetDateTimeOffset("At") ?? default, e.GetString("Action") ?? "", e.GetString("LeadId"), e.GetString("Role") ?? "",
                    e.GetString("Subject"), e.GetString("StoreId"), e.GetString("ClerkId"), e.GetString("Detail")));
                if (entries.Count >= limit) return entries;
            }
        }
        return entries;
    }

    /// <summary>Who a staff token is: Entra's object id, else the token's subject.</summary>
    public static string? SubjectOf(ClaimsPrincipal user) =>
        user.FindFirstValue("oid") ?? user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier);

    private static string LeadPartition(string leadId) => "lead|" + leadId;

    private static string DayPartition(DateTimeOffset at) => "day|" + at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
