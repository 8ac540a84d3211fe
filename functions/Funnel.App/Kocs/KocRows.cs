using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Funnel.Core.Kocs;

namespace Funnel.App.Kocs;

/// <summary>A lead promoted to KOC at a store: the users they may serve (<see cref="Quota"/>) and have recruited (<see cref="Served"/>).</summary>
/// <param name="ClerkId">The clerk whose WeCom adds the KOC's recruits (and who is credited with them), or null: the store's.</param>
internal sealed record KocProfile(
    string StoreId, string LeadId, int Quota, long Served, bool Active, DateTimeOffset PromotedAt, string PromotedBy, string? ClerkId, string? LastAssessedMonth)
{
    public bool HasRoom => Active && Served < Quota;
}

/// <summary>A month-end assessment of one KOC: the month's card it read, what it decided and why.</summary>
internal sealed record KocAssessmentRecord(
    string Month, string LeadId, KocVerdict Verdict, int QuotaBefore, int QuotaAfter, IReadOnlyList<string> Reasons, KocCard Card, DateTimeOffset At);

/// <summary>
/// The rows of table kocs (PartitionKey = store id): a profile per KOC ("k|{lead}"), a card per KOC and store-local
/// month ("m|{yyyy-MM}|{lead}"), an entry per source event applied to a KOC ("e|{lead}|{source}": what makes each apply
/// once), and an assessment per KOC and month ("a|{yyyy-MM}|{lead}").
/// </summary>
internal static class KocRows
{
    public const string ProfilePrefix = "k|";
    public const string CardPrefix = "m|";
    public const string EntryPrefix = "e|";
    public const string AssessmentPrefix = "a|";

    public static string ProfileKey(string kocId) => ProfilePrefix + kocId;
    public static string CardKey(KocMonth month, string kocId) => $"{CardPrefix}{month}|{kocId}";
    public static string EntryKey(string kocId, string sourceId) => $"{EntryPrefix}{kocId}|{sourceId}";
    public static string AssessmentKey(string month, string kocId) => $"{AssessmentPrefix}{month}|{kocId}";

    /// <summary>Rows whose key starts with <paramref name="prefix"/> (a range of one kind).</summary>
    public static string Range(string prefix) => TableClient.CreateQueryFilter($"(RowKey ge {prefix} and RowKey lt {prefix + '~'})");

    public static TableEntity Profile(KocProfile p) => new(p.StoreId, ProfileKey(p.LeadId))
    {
        ["LeadId"] = p.LeadId, ["Quota"] = p.Quota, ["Served"] = p.Served, ["Active"] = p.Active, ["PromotedAt"] = p.PromotedAt,
        ["PromotedBy"] = p.PromotedBy, ["ClerkId"] = p.ClerkId, ["LastAssessedMonth"] = p.LastAssessedMonth,
    };

    public static KocProfile ToProfile(TableEntity e) => new(
        e.PartitionKey, e.GetString("LeadId") ?? e.RowKey[ProfilePrefix.Length..], e.GetInt32("Quota") ?? 0, e.GetInt64("Served") ?? 0, e.GetBoolean("Active") ?? false,
        e.GetDateTimeOffset("PromotedAt") ?? default, e.GetString("PromotedBy") ?? "", e.GetString("ClerkId"), e.GetString("LastAssessedMonth"));

    public static TableEntity Card(string storeId, KocMonth month, string kocId, KocCard c) => new(storeId, CardKey(month, kocId))
    {
        ["LeadId"] = kocId, ["Month"] = month.ToString(), ["Recruited"] = c.Recruited, ["OverQuota"] = c.OverQuota, ["Purchases"] = c.Purchases,
        ["Conversions"] = c.Conversions, ["Revenue"] = c.Revenue.ToString(CultureInfo.InvariantCulture), ["QuestionsInTime"] = c.QuestionsInTime,
        ["QuestionsLate"] = c.QuestionsLate, ["Complaints"] = c.Complaints,
    };

    public static KocCard ToCard(TableEntity e) => new(
        e.GetInt64("Recruited") ?? 0, e.GetInt64("OverQuota") ?? 0, e.GetInt64("Purchases") ?? 0, e.GetInt64("Conversions") ?? 0,
        Storage.StoreRows.Money(e.GetString("Revenue")), e.GetInt64("QuestionsInTime") ?? 0, e.GetInt64("QuestionsLate") ?? 0, e.GetInt64("Complaints") ?? 0);

    public static TableEntity Assessment(string storeId, KocMonth month, KocAssessmentRecord a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var row = Card(storeId, month, a.LeadId, a.Card);
        row.RowKey = AssessmentKey(a.Month, a.LeadId);
        row["Verdict"] = a.Verdict.ToString();
        row["QuotaBefore"] = a.QuotaBefore;
        row["QuotaAfter"] = a.QuotaAfter;
        row["Reasons"] = JsonSerializer.Serialize(a.Reasons);
        row["At"] = a.At;
        return row;
    }

    public static KocAssessmentRecord ToAssessment(TableEntity e) => new(
        e.GetString("Month") ?? "", e.GetString("LeadId") ?? "", Enum.TryParse<KocVerdict>(e.GetString("Verdict"), out var v) ? v : KocVerdict.Keep,
        e.GetInt32("QuotaBefore") ?? 0, e.GetInt32("QuotaAfter") ?? 0, JsonSerializer.Deserialize<string[]>(e.GetString("Reasons") ?? "[]") ?? [], ToCard(e),
        e.GetDateTimeOffset("At") ?? default);
}
