using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.App.Stores;
using Funnel.Core.Journeys;
using Funnel.Core.Kocs;
using Microsoft.Extensions.Options;

namespace Funnel.App.Kocs;

/// <summary>One KOC's month at a store, as the scorecards show it; <see cref="PointsEarned"/> only on a store's own cards.</summary>
internal sealed record KocScorecard(
    string StoreId, string Region, string LeadId, int Quota, long Served, bool Active, string? ClerkId,
    long Recruited, long OverQuota, long Purchases, long Conversions, double? ConversionRate, decimal Revenue,
    long QuestionsInTime, long QuestionsLate, double? ServiceRate, long Complaints, double? ComplaintRate, long? PointsEarned, KocAssessmentRecord? Assessment)
{
    public static KocScorecard Of(KocProfile p, string region, KocCard c, long? pointsEarned, KocAssessmentRecord? assessment) => new(
        p.StoreId, region, p.LeadId, p.Quota, p.Served, p.Active, p.ClerkId, c.Recruited, c.OverQuota, c.Purchases, c.Conversions, c.ConversionRate, c.Revenue,
        c.QuestionsInTime, c.QuestionsLate, c.ServiceRate, c.Complaints, c.ComplaintRate, pointsEarned, assessment);
}

/// <summary>Starts a store's month-end assessment on the durable engine (<see cref="KocMonthOrchestration"/>), once: starting it again finds it running.</summary>
internal sealed class KocSchedule(JourneyEngine engine, JourneyClock clock, IOptions<JourneyOptions> options, TimeProvider time)
{
    public Task StartAsync(StoreSettings store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var month = KocMonth.Of(time.GetUtcNow(), store.Policy.TimeZone);
        var input = new KocMonthInput(store.StoreId, month.ToString(), month.EndIn(store.Policy.TimeZone), clock, options.Value.LookSeconds);
        return engine.Client.CreateOrchestrationInstanceAsync(KocMonthOrchestration.Name, KocMonthOrchestration.Version,
            KocMonthOrchestration.InstanceId(store.StoreId), JourneyJson.Write(input), null, JourneyService.NotToStartAgain).WaitAsync(cancellationToken);
    }
}
