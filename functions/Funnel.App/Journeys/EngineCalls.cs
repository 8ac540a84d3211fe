using System.Diagnostics.Metrics;
using DurableTask.Core;

namespace Funnel.App.Journeys;

/// <summary>
/// Activity calls from orchestration code that take only the answer meant for them. The engine matches an answer to its
/// task by the task's id alone, and after a crash one id can name two tasks: the lost pass sent its messages before its
/// history was written, and the replay (its events taken in another order, or its clock past a moment the lost pass was
/// still waiting for) gave that id to another task. So an answer is read by the caller's <c>read</c>, which says when it
/// is not this call's (a timer's answer is its id, a number; another step's answer has another receipt): it is dropped
/// and the same activity asked again, which every activity here is built for (each runs at least once).
/// </summary>
internal static class EngineCalls
{
    /// <summary>Times an activity is asked again for answers meant for other tasks (a lost pass leaves one or two) before the call gives up.</summary>
    public const int MaxAsks = 8;

    private static readonly Counter<long> Dropped = new Meter(JourneyService.MeterName).CreateCounter<long>("funnel.engine.answers_dropped",
        description: "Activity answers meant for other tasks (an engine pass lost in a crash), dropped and the activity asked again.");

    /// <summary>The activity's answer as <paramref name="read"/> takes it, or null after <see cref="MaxAsks"/> answers it did not take.</summary>
    public static async Task<T?> CallAsync<T>(this OrchestrationContext context, string name, string version, string input, Func<string, T?> read) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(read);
        for (var ask = 0; ask < MaxAsks; ask++)
        {
            var answer = await context.ScheduleWithRetry<string>(name, version, JourneyOrchestration.CommitRetry, input);
            if (answer is { Length: > 0 } && answer[0] == '{' && read(answer) is { } taken) return taken;
            if (!context.IsReplaying) Dropped.Add(1, new KeyValuePair<string, object?>("activity", name));
        }
        return null;
    }

    /// <summary>The activity's answer read as a <typeparamref name="T"/>; an orchestration that cannot go on without it fails, saying why.</summary>
    public static async Task<T> CallAsync<T>(this OrchestrationContext context, string name, string version, string input) where T : class =>
        await context.CallAsync(name, version, input, JourneyJson.Read<T>)
        ?? throw new InvalidOperationException($"{name} was answered {MaxAsks} times with answers meant for other tasks.");
}
