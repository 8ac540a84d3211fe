using DurableTask.Core;
using Funnel.App.Journeys;
using Funnel.Core.Journeys;

namespace Funnel.App.Kocs;

/// <param name="DueAt">When <paramref name="Month"/> ends in the store's time zone (app time).</param>
/// <param name="LookSeconds">The longest it sleeps before it looks at the app's clock again (JourneyOptions.LookSeconds).</param>
/// <param name="NotYet">The last look found the month not over by the app's clock (a timer can fire early, a store can change its time zone, a test's clock is its own): sleep before the next.</param>
internal sealed record KocMonthInput(string StoreId, string Month, DateTimeOffset DueAt, JourneyClock Clock, int LookSeconds, bool NotYet = false);

internal sealed record KocMonthRequest(string StoreId, string Month);

/// <summary>What a check came to: the month to wait for next and when it ends, and whether the asked month was assessed.</summary>
internal sealed record KocMonthResult(string Month, DateTimeOffset DueAt, bool Assessed, int Kocs);

/// <summary>
/// A store's month-end KOC assessment on the durable engine, one instance per store (started when its first KOC is
/// promoted): it sleeps until the store-local month ends (<see cref="EngineSleep"/>), then runs the
/// <see cref="AssessKocMonth"/> activity, which decides by the app's clock whether the month is over (assessed: the next
/// month; not yet: the same month again), then it continues as new. Each generation is a timer and an activity, so its
/// history never grows.
/// </summary>
internal sealed class KocMonthOrchestration : TaskOrchestration<string, string, string, string>
{
    public const string Name = "KocMonth";
    public const string Version = "1";

    public static string InstanceId(string storeId) => "kocs:" + storeId;

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = JourneyJson.Read<KocMonthInput>(input);
        await EngineSleep.UntilAsync(context, start.Clock, start.DueAt, start.LookSeconds, start.NotYet, start.Month);
        var result = await context.CallAsync<KocMonthResult>(AssessKocMonth.Name, AssessKocMonth.Version, JourneyJson.Write(new KocMonthRequest(start.StoreId, start.Month)));
        context.ContinueAsNew(Version, JourneyJson.Write(start with { Month = result.Month, DueAt = result.DueAt, NotYet = !result.Assessed }));
        return "";
    }
}

/// <summary>
/// Assesses a store's KOCs for a month once the month is over by the app's clock (<see cref="KocAssessor"/>: a KOC
/// assessed before is skipped, so the activity may run twice), and says which month ends next.
/// </summary>
internal sealed partial class AssessKocMonth(Lanes.StoreLanes lanes, KocAssessor assessor, TimeProvider time, ILogger<AssessKocMonth> logger)
    : AsyncTaskActivity<string, string>
{
    public const string Name = "AssessKocMonth";
    public const string Version = "1";

    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        var request = JourneyJson.Read<KocMonthRequest>(input);
        if (!Core.Kocs.KocMonth.TryParse(request.Month, out var month)) throw new ArgumentException($"Not a month: '{request.Month}'.", nameof(input));
        var store = await lanes.GetSettingsAsync(request.StoreId, CancellationToken.None);
        var zone = store?.Policy.TimeZone ?? TimeZoneInfo.Utc;
        var now = time.GetUtcNow();
        if (store is null || now < month.EndIn(zone)) return JourneyJson.Write(new KocMonthResult(month.ToString(), month.EndIn(zone), false, 0));
        var records = await assessor.AssessAsync(request.StoreId, month, zone, now, CancellationToken.None);
        LogAssessed(logger, request.StoreId, request.Month, records.Count);
        return JourneyJson.Write(new KocMonthResult(month.Next.ToString(), month.Next.EndIn(zone), true, records.Count));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {StoreId}: KOCs assessed for {Month} ({Count} decided)")]
    private static partial void LogAssessed(ILogger logger, string storeId, string month, int count);
}
