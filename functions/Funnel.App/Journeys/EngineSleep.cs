using DurableTask.Core;
using Funnel.Core.Journeys;

namespace Funnel.App.Journeys;

/// <summary>
/// How the engine's long-lived instances that act at a moment of app time (a store's month end, a lead's points expiry)
/// sleep: a durable timer until that moment (real time, by the instance's clock), or for at most <c>lookSeconds</c>, after
/// which the instance looks at the app's clock again. A moment already passed is acted on at once, unless the last look
/// found it not due yet by the app's clock (a timer that fired early, a test's own clock): then it sleeps the full look.
/// The wait is one timer, so a generation (a timer and an activity, then ContinueAsNew) keeps its history short.
/// </summary>
internal static class EngineSleep
{
    public static async Task UntilAsync(OrchestrationContext context, JourneyClock clock, DateTimeOffset dueAt, int lookSeconds, bool lookedTooSoon, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clock);
        var now = context.CurrentUtcDateTime;
        var due = clock.ToReal(dueAt).UtcDateTime;
        var look = now.AddSeconds(lookSeconds);
        if (due > now || lookedTooSoon) await context.CreateTimer(due > now && due < look ? due : look, name);
    }
}
