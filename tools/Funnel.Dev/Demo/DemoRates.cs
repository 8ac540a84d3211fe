namespace Funnel.Dev.Demo;

/// <summary>
/// The rates the demo's shoppers, clerks and tills follow, chosen from shared/domain.md where it gives a number and
/// stated plainly where it does not. Times are simulated (the app's clock), not real.
/// </summary>
internal static class DemoRates
{
    // ---- Scans: the entry of the funnel ----

    /// <summary>
    /// Mean scans per store on an ordinary day: 1 (about 40 a month with weekends and the promotion day) is a store
    /// just starting its community. A mature store sees more (domain.md's 15–20k RMB a month of group sales suggests
    /// tens a day), but the local storage emulator sets the pace: each journey on the durable engine keeps a timer
    /// message queued and a history in a table, and Azurite's cost per operation grows with everything it holds. At
    /// this rate a 40-store month keeps pace with the demo's clock on two cores; at 3 it fell behind from the sixth
    /// day (docs/benchmarks.md, "The demo's month on the engine"). --scans-per-day raises it (on a faster machine, with a
    /// slower --scale, or with fewer --stores).
    /// </summary>
    public const double ScansPerStorePerDay = 1;

    /// <summary>Weekends bring half as many shoppers again.</summary>
    public const double WeekendFactor = 1.5;

    /// <summary>The chain's mid-run promotion day brings three times the traffic ("a promotion, a holiday" burst).</summary>
    public const double PromotionFactor = 3;

    /// <summary>Scans come in bursts (a queue at the till, a demo at the shelf): on average this many scans a burst.</summary>
    public const double ScansPerBurst = 5;

    /// <summary>Spread of a burst around its centre (simulated minutes, one standard deviation).</summary>
    public const double BurstSpreadMinutes = 12;

    /// <summary>About half the scans go through a clerk's own code (the clerk at the shelf or till), the rest the store's.</summary>
    public const double ClerkCodeShare = 0.55;

    /// <summary>Shoppers who scan again (another visit, the next promotion) between half a day and 6 days later.</summary>
    public const double RepeatScanShare = 0.15;

    // ---- Journeys: awareness → guided trial → Q&A ----

    /// <summary>
    /// Leads who book a guided trial (the step the articles call closest to conversion), from 2 h to 2 days after the
    /// scan, for a slot 1 to 4 days ahead. Behaviour-triggered outreach reaches 20%+ acceptance (domain.md); the trial
    /// offer in the store itself does somewhat better.
    /// </summary>
    public const double TrialBookingShare = 0.30;

    /// <summary>Booked trials the clerk walks through and marks completed; the rest are no-shows (the app's no-show task).</summary>
    public const double TrialCompletionShare = 0.80;

    /// <summary>Shoppers who ask a question after a completed trial (Q&A is the stage after the trial) …</summary>
    public const double QuestionAfterTrialShare = 0.40;

    /// <summary>… and leads without a trial who ask anyway.</summary>
    public const double QuestionWithoutTrialShare = 0.10;

    /// <summary>Questions the clerk answers, 30 min to 6 h later: the deadline is 4 h, so most in time and some late.</summary>
    public const double AnswerShare = 0.90;

    /// <summary>Complaints per lead (the third of the three numbers clerks are judged on).</summary>
    public const double ComplaintShare = 0.02;

    // ---- Purchases and attribution ----

    /// <summary>Leads who completed a trial and then buy (0.2–3 days after the last Q&A step).</summary>
    public const double PurchaseAfterTrialShare = 0.35;

    /// <summary>
    /// Other leads who buy: half on the same visit (minutes after the scan), half 1–14 days later. With the shares above,
    /// 0.3 × 0.8 × 0.35 + 0.76 × 0.08 ≈ 14.5% of leads buy within the window (the brief's 10–20%); every purchase lands
    /// within the 30-day attribution window of the scan.
    /// </summary>
    public const double PurchaseWithoutTrialShare = 0.08;

    /// <summary>Purchases rung up at another store of the region ("transact everywhere"): credited to the recruiting store.</summary>
    public const double CrossStoreShare = 0.10;

    /// <summary>Buyers who buy again 3–12 days later (the VIP group's job: repurchase).</summary>
    public const double RepurchaseShare = 0.10;

    /// <summary>
    /// The POS sends one sale in 20 twice (5%: a retry, a reconnecting till), the 1st, 21st, 41st… sale the app accepted,
    /// at once, so the two deliveries race. Counted rather than drawn, so even a tiny run has a duplicate to prove
    /// it is counted once.
    /// </summary>
    public const int PosDuplicateEvery = 20;

    /// <summary>
    /// Sales per store per day to shoppers who never scanned: store sales, credited to nobody. Kept small: in a real
    /// store they are most sales, but here they only show that uncredited sales stay uncredited.
    /// </summary>
    public const double WalkInPurchasesPerStorePerDay = 0.5;

    /// <summary>
    /// Basket: 1–3 lines at these prices (CNY). About 150 CNY a purchase, so a mature store's 15–20k RMB a month from
    /// its groups (domain.md) is 100+ purchases; a first month reaches part of that.
    /// </summary>
    public static readonly (string Sku, decimal Price)[] Catalogue =
    [
        ("yogurt-6pack", 39m), ("milk-1l", 19.9m), ("cheese-sticks", 49m), ("protein-shake", 89m), ("infant-formula", 268m), ("gift-box", 199m),
    ];

    // ---- Campaign execution ----

    /// <summary>Stores that download the campaign's asset at some point in the first 60% of the month …</summary>
    public const double AssetDownloadShare = 0.85;

    /// <summary>… and of those, the ones that post it within 5 days; the rest are the stores HQ has to chase.</summary>
    public const double AssetPostShare = 0.70;
}
