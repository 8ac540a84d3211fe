namespace Funnel.Core.Kocs;

/// <summary>
/// HQ's thresholds for the month-end assessment. A KOC is raised when every "raise" bar is met (a rate without data
/// meets none, except a bar HQ switched off: a minimum of 0, a maximum of 1), lowered when any "lower" bar is crossed (a
/// rate without data crosses none), and otherwise kept.
/// A raise multiplies the quota by <see cref="RaiseBy"/> (20,000 × 2.5 = 50,000), a lowering by <see cref="LowerBy"/>,
/// within <see cref="MinQuota"/>..<see cref="MaxQuota"/>.
/// </summary>
public sealed record KocThresholds(
    double RaiseMinConversionRate = 0.2,
    double RaiseMinServiceRate = 0.9,
    double RaiseMaxComplaintRate = 0.02,
    long RaiseMinRecruited = 10,
    double LowerBelowConversionRate = 0.05,
    double LowerBelowServiceRate = 0.6,
    double LowerAboveComplaintRate = 0.1,
    double RaiseBy = 2.5,
    double LowerBy = 0.5,
    int MinQuota = 10,
    int MaxQuota = 100_000)
{
    public static readonly KocThresholds Defaults = new();
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<KocVerdict>))]
public enum KocVerdict
{
    Raise,
    Keep,
    Lower,
}

/// <summary>What a month-end assessment decided for one KOC, and why (each bar met or crossed, with its numbers).</summary>
public sealed record KocDecision(KocVerdict Verdict, int QuotaBefore, int QuotaAfter, IReadOnlyList<string> Reasons);

public static class KocAssessment
{
    public static KocDecision Decide(KocCard card, int quota, KocThresholds t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var lower = new List<string>();
        if (card.ConversionRate is { } c && c < t.LowerBelowConversionRate) lower.Add(Text($"conversion rate {c:0.####} below {t.LowerBelowConversionRate:0.####}"));
        if (card.ServiceRate is { } s && s < t.LowerBelowServiceRate) lower.Add(Text($"service rate {s:0.####} below {t.LowerBelowServiceRate:0.####}"));
        if (card.ComplaintRate is { } k && k > t.LowerAboveComplaintRate) lower.Add(Text($"complaint rate {k:0.####} above {t.LowerAboveComplaintRate:0.####}"));
        if (lower.Count > 0) return Change(KocVerdict.Lower, quota, Clamp(quota * t.LowerBy, t), lower);

        var missed = new List<string>();
        var met = new List<string>();
        Bar(card.Recruited >= t.RaiseMinRecruited, Text($"{card.Recruited} recruited (at least {t.RaiseMinRecruited} to be raised)"));
        Bar(t.RaiseMinConversionRate <= 0 || card.ConversionRate >= t.RaiseMinConversionRate, Text($"conversion rate {Rate(card.ConversionRate)} (at least {t.RaiseMinConversionRate:0.####} to be raised)"));
        Bar(t.RaiseMinServiceRate <= 0 || card.ServiceRate >= t.RaiseMinServiceRate, Text($"service rate {Rate(card.ServiceRate)} (at least {t.RaiseMinServiceRate:0.####} to be raised)"));
        Bar(t.RaiseMaxComplaintRate >= 1 || card.ComplaintRate is { } r && r <= t.RaiseMaxComplaintRate, Text($"complaint rate {Rate(card.ComplaintRate)} (at most {t.RaiseMaxComplaintRate:0.####} to be raised)"));
        return missed.Count == 0
            ? Change(KocVerdict.Raise, quota, Clamp(quota * t.RaiseBy, t), met)
            : Change(KocVerdict.Keep, quota, quota, missed);

        void Bar(bool ok, string what) => (ok ? met : missed).Add(what);
    }

    private static string Text(FormattableString s) => FormattableString.Invariant(s);

    private static string Rate(double? rate) => rate is { } r ? r.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "none (no data)";

    private static int Clamp(double quota, KocThresholds t) => (int)Math.Clamp(Math.Round(quota), t.MinQuota, t.MaxQuota);

    private static KocDecision Change(KocVerdict verdict, int before, int after, List<string> reasons) => new(verdict, before, after, reasons);
}
