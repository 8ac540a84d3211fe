using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.Core.Journeys;
using Funnel.Core.Points;
using Microsoft.Extensions.Options;

namespace Funnel.App.Points;

/// <param name="DueAt">When the lead's oldest points left expire (app time); when nothing is due, the last look's time.</param>
/// <param name="NotYet">The last look found nothing due by the app's clock: sleep a full look first.</param>
internal sealed record PointsExpiryInput(string LeadId, DateTimeOffset DueAt, JourneyClock Clock, int LookSeconds, bool NotYet = false);

/// <summary>What a look came to: when the oldest points left expire (null: none left, or points do not expire), and the app's time then.</summary>
internal sealed record PointsExpiryResult(DateTimeOffset? NextDue, DateTimeOffset Now, long Expired);

/// <summary>
/// A lead's points expiry on the durable engine, one instance per lead (started with its first award while points
/// expire; never a scan of all leads): it sleeps until the lead's oldest points are due (<see cref="EngineSleep"/>), runs
/// <see cref="ExpirePoints"/>, and continues as new with the next due moment.
/// </summary>
internal sealed class PointsExpiryOrchestration : TaskOrchestration<string, string, string, string>
{
    public const string Name = "PointsExpiry";
    public const string Version = "1";

    public static string InstanceId(string leadId) => "points:" + leadId;

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = JourneyJson.Read<PointsExpiryInput>(input);
        await EngineSleep.UntilAsync(context, start.Clock, start.DueAt, start.LookSeconds, start.NotYet, "expiry");
        var result = await context.CallAsync<PointsExpiryResult>(ExpirePoints.Name, ExpirePoints.Version, JourneyJson.Write(start.LeadId));
        var notYet = result.NextDue is not { } next || next <= result.Now;
        context.ContinueAsNew(Version, JourneyJson.Write(start with { DueAt = result.NextDue ?? result.Now, NotYet = notYet }));
        return "";
    }
}

/// <summary>
/// Expires what is due of a lead's points by the rules in effect now (<see cref="PointsExpiry"/>): one entry
/// "expiry:{last entry it covers}", so a re-run expires nothing twice, applied only if the balance is still the one the
/// plan was made from (a redemption meanwhile: planned again).
/// </summary>
internal sealed class ExpirePoints(PointsProgramme programme, PointsLedger ledger, TimeProvider time) : AsyncTaskActivity<string, string>
{
    public const string Name = "ExpirePoints";
    public const string Version = "1";

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var leadId = JourneyJson.Read<string>(input);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var rules = await programme.InEffectAsync(now, CancellationToken.None);
            if (rules.ExpireAfterDays <= 0) return JourneyJson.Write(new PointsExpiryResult(null, now, 0));
            var period = TimeSpan.FromDays(rules.ExpireAfterDays);
            var (balance, entries) = await ledger.ReadAllAsync(leadId, CancellationToken.None);
            var (amount, covered, next) = PointsExpiry.Plan([.. entries.Select(e => new LedgerLine(e.Seq, e.Points, e.At))], period, now);
            if (amount <= 0) return JourneyJson.Write(new PointsExpiryResult(next, now, 0));
            var (outcome, _, _) = await ledger.ApplyAsync(leadId, $"expiry:{covered}", "expiry",
                $"points earned by {(now - period).UtcDateTime:yyyy-MM-dd} and not spent expired ({rules.ExpireAfterDays} days)", now,
                b => b == balance ? (b.Expire(amount), -Math.Min(amount, b.Balance), null) : null, CancellationToken.None);
            if (outcome != LedgerOutcome.Refused || attempt >= 10) return JourneyJson.Write(new PointsExpiryResult(next, now, amount));
        }
    }
}

/// <summary>Starts a lead's points expiry on the engine (<see cref="PointsExpiryOrchestration"/>), once: starting it again finds it.</summary>
internal sealed class PointsExpirySchedule(JourneyEngine engine, JourneyClock clock, IOptions<JourneyOptions> options, TimeProvider time)
{
    public Task StartAsync(string leadId, CancellationToken cancellationToken)
    {
        var input = new PointsExpiryInput(leadId, time.GetUtcNow(), clock, options.Value.LookSeconds, NotYet: true);
        return engine.Client.CreateOrchestrationInstanceAsync(PointsExpiryOrchestration.Name, PointsExpiryOrchestration.Version,
            PointsExpiryOrchestration.InstanceId(leadId), JourneyJson.Write(input), null, JourneyService.NotToStartAgain).WaitAsync(cancellationToken);
    }
}
