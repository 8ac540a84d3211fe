namespace Funnel.Core.Journeys;

/// <summary>
/// The bookkeeping a transition's rules (Journey.cs) are written in: messages within quiet hours and the daily cap,
/// timers scheduled and cancelled, clerk tasks opened and closed, and history lines.
/// </summary>
public static partial class Journey
{
    private sealed partial class Transition
    {
        /// <summary>
        /// A message, never to an opted-out lead, never in quiet hours (held until they end), at most
        /// <see cref="JourneyPolicy.MaxMessagesPerDay"/> per local day (held to the next day that has room).
        /// </summary>
        private void Send(string template)
        {
            if (S.Stage == JourneyStage.OptedOut) return;
            var at = policy.NextSendable(now);
            for (var i = 0; i < 366 && S.MessagesByDay.GetValueOrDefault(policy.LocalDay(at)) >= policy.MaxMessagesPerDay; i++)
            {
                at = policy.NextSendable(NextLocalMidnight(at));
            }
            if (at > now)
            {
                Schedule(TimerKind.HeldMessage, at, template);
                Log($"{template} held until {at:yyyy-MM-dd HH:mm}Z");
                return;
            }
            var day = policy.LocalDay(at);
            var counts = S.MessagesByDay.Where(kv => kv.Key >= day.AddDays(-7)).ToDictionary(kv => kv.Key, kv => kv.Value);
            counts[day] = counts.GetValueOrDefault(day) + 1;
            _state = S with { MessagesByDay = counts };
            _effects.Add(new SendMessage(template, at));
        }

        private DateTimeOffset NextLocalMidnight(DateTimeOffset at)
        {
            var next = policy.LocalDay(at).AddDays(1).ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(next, policy.TimeZone.GetUtcOffset(next)).ToUniversalTime();
        }

        private void Schedule(TimerKind kind, DateTimeOffset due, string? reference = null)
        {
            _state = S with { Timers = [.. S.Timers, new JourneyTimer(kind, due, S.Version + 1, reference)] };
            _changed = true;
        }

        private void Reschedule(TimerKind kind, DateTimeOffset due)
        {
            Cancel(kind);
            Schedule(kind, due);
        }

        private void Cancel(params TimerKind[] kinds) =>
            _state = S with { Timers = [.. S.Timers.Where(x => !kinds.Contains(x.Kind))] };

        private void Open(string kind, DateTimeOffset due, string? reference = null)
        {
            OpenTask(new ClerkTask(reference is null ? $"{kind}-{S.Version + 1}" : AnswerTaskId(reference), kind, due, reference, ForStore: S.ClerkId is null));
        }

        private void OpenTask(ClerkTask task)
        {
            _state = S with { Tasks = [.. S.Tasks, task] };
            _effects.Add(new OpenTask(task));
        }

        private void Close(string taskIdOrKind, string outcome)
        {
            foreach (var task in S.Tasks.Where(x => x.TaskId == taskIdOrKind || x.Kind == taskIdOrKind).ToList())
            {
                _effects.Add(new CloseTask(task.TaskId, outcome));
                _state = S with { Tasks = [.. S.Tasks.Where(x => x != task)] };
            }
        }

        /// <summary>A line of history: the journey changed, so its version moves on (a step with the same version would be taken for a repeat).</summary>
        private void Log(string what)
        {
            _state = S with { History = [.. S.History.Append(new JourneyHistoryEntry(now, what, S.Stage)).TakeLast(JourneyState.HistoryLimit)] };
            _changed = true;
        }

        private static string AnswerTaskId(string? questionId) => $"answer-question-{questionId}";

        private static string EscalationTaskId(string? questionId) => $"escalation-{questionId}";

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    }
}
