namespace Funnel.Core.Journeys;

/// <summary>
/// The nurture rules as one pure function: <c>Decide(state, event, policy)</c> → new state and effects.
/// Awareness (welcome, content at +1 and +3 days, a clerk follow-up at +7 without a trial, dormant after 14 days
/// without engagement) → guided trial (reminder before the slot, a no-show task after it) → Q&A (questions with an
/// answer deadline, a last-chance message, dormant when the window ends). A purchase converts, an opt-out ends
/// everything and nothing is sent again. A timer counts only while the state still lists it (so a cancelled or
/// superseded timer is a no-op); an event id applies once.
/// </summary>
public static partial class Journey
{
    /// <summary>Open questions a journey holds at once; more are logged, not taken (keeps a transition within one transaction).</summary>
    public const int MaxOpenQuestions = 20;

    public static (JourneyState? State, IReadOnlyList<JourneyEffect> Effects) Decide(JourneyState? state, JourneyEvent e, JourneyPolicy policy, string leadId, string storeId)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(policy);
        if (state is not null && e.EventId is not null && state.RecentEventIds.Contains(e.EventId)) return (state, []);
        if (e is TimerFired fired && (state is null || !state.Timers.Contains(fired.Timer))) return (state, []);

        var t = new Transition(state, policy, e.At);
        switch (e)
        {
            case Scanned scan: t.Scan(leadId, storeId, scan.ClerkId); break;
            case TimerFired due: t.Timer(due.Timer); break;
            case ContentOpened: t.Engage("content opened"); break;
            case TrialBooked booked: t.BookTrial(booked.Slot); break;
            case TrialCompleted: t.CompleteTrial(); break;
            case QuestionAsked asked: t.Ask(asked.QuestionId); break;
            case QuestionAnswered answered: t.Answer(answered.QuestionId); break;
            case Complained complained: t.Complain(complained.QuestionId); break;
            case Purchased: t.End(JourneyStage.Converted, "purchased"); break;
            case OptedOut: t.End(JourneyStage.OptedOut, "opted out"); break;
            default: throw new ArgumentException($"Unknown journey event {e.GetType().Name}.", nameof(e));
        }
        return t.Result(e.EventId);
    }

    /// <summary>Working copy of one transition: the state as it is being changed and the effects collected.</summary>
    private sealed partial class Transition(JourneyState? state, JourneyPolicy policy, DateTimeOffset now)
    {
        private readonly List<JourneyEffect> _effects = [];
        private JourneyState? _state = state;
        private bool _changed;

        private JourneyState S => _state ?? throw new InvalidOperationException("No journey.");

        public (JourneyState? State, IReadOnlyList<JourneyEffect> Effects) Result(string? eventId)
        {
            if (!_changed || _state is null) return (_state, _effects);
            var ids = eventId is null ? _state.RecentEventIds : [.. _state.RecentEventIds.Append(eventId).TakeLast(JourneyState.RecentEventIdLimit)];
            return (_state with { Version = _state.Version + 1, RecentEventIds = ids }, _effects);
        }

        public void Scan(string leadId, string storeId, string? clerkId)
        {
            if (_state is null || _state.Stage == JourneyStage.Dormant ||
                (_state.Stage == JourneyStage.Converted && now >= (_state.EndedAt ?? now) + policy.ConvertedReentryBlock))
            {
                Start(leadId, storeId, clerkId ?? _state?.ClerkId);
                return;
            }
            if (_state.Stage.IsFinal()) return; // opted out: never again; converted: not within the block
            Engage("scanned again");
        }

        private void Start(string leadId, string storeId, string? clerkId)
        {
            var version = (_state?.Version ?? 0) + 1;
            _state = new JourneyState(leadId, storeId, clerkId, JourneyStage.Awareness, version - 1, now, now, now, null, [], [],
                _state?.MessagesByDay ?? new Dictionary<DateOnly, int>(), _state?.RecentEventIds ?? [], _state?.History ?? []);
            _changed = true;
            Log(_state.History.Count == 0 ? "journey started" : "journey restarted");
            Send("welcome");
            var n = 0;
            foreach (var after in policy.AwarenessContentAfter) Schedule(TimerKind.AwarenessContent, now + after, (++n).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Schedule(TimerKind.TrialFollowUp, now + policy.TrialFollowUpAfter);
            Schedule(TimerKind.Dormancy, now + policy.DormantAfter);
        }

        public void Engage(string what)
        {
            if (_state is null || _state.Stage.IsFinal()) return;
            _state = S with { LastEngagedAt = Max(S.LastEngagedAt, now) };
            _changed = true;
            Log(what);
            if (S.Stage == JourneyStage.Awareness) Reschedule(TimerKind.Dormancy, S.LastEngagedAt + policy.DormantAfter);
        }

        public void Timer(JourneyTimer timer)
        {
            _state = S with { Timers = [.. S.Timers.Where(x => x != timer)] };
            _changed = true;
            switch (timer.Kind)
            {
                case TimerKind.AwarenessContent:
                    Log($"awareness content {timer.Ref}");
                    Send($"awareness-content-{timer.Ref}");
                    break;
                case TimerKind.TrialFollowUp:
                    Log("no trial booked: clerk follow-up");
                    Open("trial-follow-up", now);
                    break;
                case TimerKind.Dormancy when now - S.LastEngagedAt >= policy.DormantAfter:
                    End(JourneyStage.Dormant, "no engagement");
                    break;
                case TimerKind.Dormancy:
                    Schedule(TimerKind.Dormancy, S.LastEngagedAt + policy.DormantAfter);
                    break;
                case TimerKind.TrialReminder:
                    Log("trial reminder");
                    Send("trial-reminder");
                    break;
                case TimerKind.NoShow:
                    Log("trial not completed: no-show follow-up");
                    Open("trial-no-show", now);
                    break;
                case TimerKind.LastChance:
                    Log("last chance");
                    Send("qna-last-chance");
                    break;
                case TimerKind.QnaWindowEnd:
                    End(JourneyStage.Dormant, "Q&A window ended");
                    break;
                case TimerKind.AnswerDeadline:
                    if (S.Tasks.Any(x => x.TaskId == AnswerTaskId(timer.Ref)) && S.Tasks.All(x => x.TaskId != EscalationTaskId(timer.Ref)))
                    {
                        Log($"question {timer.Ref} not answered in time: escalated to the store");
                        _effects.Add(new CountMetric(FunnelMetric.QuestionLate, S.ClerkId, now));
                        OpenTask(new ClerkTask(EscalationTaskId(timer.Ref), "escalation", now, timer.Ref, ForStore: true));
                    }
                    break;
                case TimerKind.HeldMessage:
                    Send(timer.Ref ?? "message");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(timer), timer.Kind, null);
            }
        }

        public void BookTrial(DateTimeOffset slot)
        {
            if (_state is null || S.Stage is not (JourneyStage.Awareness or JourneyStage.GuidedTrial)) return; // late or out of order
            var first = S.Stage == JourneyStage.Awareness;
            Enter(JourneyStage.GuidedTrial, first ? "trial booked" : "trial moved");
            _state = S with { TrialSlot = slot, LastEngagedAt = Max(S.LastEngagedAt, now) };
            Cancel(TimerKind.AwarenessContent, TimerKind.TrialFollowUp, TimerKind.Dormancy, TimerKind.TrialReminder, TimerKind.NoShow);
            Close("trial-follow-up", "trial booked");
            if (slot - policy.TrialReminderBefore > now) Schedule(TimerKind.TrialReminder, slot - policy.TrialReminderBefore);
            Schedule(TimerKind.NoShow, slot + policy.NoShowAfter);
            if (first) _effects.Add(new CountMetric(FunnelMetric.TrialBooked, S.ClerkId, now));
            if (first) _effects.Add(new JoinGroup("small"));
        }

        public void CompleteTrial()
        {
            if (_state is null || S.Stage is not (JourneyStage.Awareness or JourneyStage.GuidedTrial)) return;
            Enter(JourneyStage.Qna, "trial completed");
            _state = S with { LastEngagedAt = Max(S.LastEngagedAt, now) };
            Cancel(TimerKind.AwarenessContent, TimerKind.TrialFollowUp, TimerKind.Dormancy, TimerKind.TrialReminder, TimerKind.NoShow);
            Close("trial-follow-up", "trial completed");
            Close("trial-no-show", "trial completed");
            _effects.Add(new CountMetric(FunnelMetric.TrialCompleted, S.ClerkId, now));
            Schedule(TimerKind.LastChance, now + policy.QnaWindow - policy.LastChanceBefore);
            Schedule(TimerKind.QnaWindowEnd, now + policy.QnaWindow);
        }

        public void Ask(string questionId)
        {
            if (_state is null || S.Stage.IsFinal()) return;
            // Asked again while open (a client retry without an event id): one question, one task.
            if (S.Tasks.Any(t => t.TaskId == AnswerTaskId(questionId))) return;
            if (S.Tasks.Count(t => t.Kind == "answer-question") >= MaxOpenQuestions)
            {
                Log($"question {questionId} not taken: {MaxOpenQuestions} questions are waiting for an answer already");
                return;
            }
            Engage($"question {questionId} asked");
            _state = S with { AskedQuestions = [.. (S.AskedQuestions ?? []).Append(questionId).TakeLast(JourneyState.AskedQuestionLimit)] };
            var due = now + policy.AnswerDeadline;
            Open("answer-question", due, questionId);
            Schedule(TimerKind.AnswerDeadline, due, questionId);
            _effects.Add(new CountMetric(FunnelMetric.Question, S.ClerkId, now));
        }

        public void Answer(string questionId)
        {
            if (_state is null) return;
            var task = S.Tasks.FirstOrDefault(x => x.TaskId == AnswerTaskId(questionId));
            if (task is null) return; // answered before, or never asked
            // Late once the deadline passed, and also when the journey heard of the deadline first (events may reach a
            // journey after a timer that fired later than they happened): the service rate counted it late already.
            var escalated = S.Tasks.Any(x => x.TaskId == EscalationTaskId(questionId));
            var inTime = now <= task.DueAt && !escalated;
            Log($"question {questionId} answered {(inTime ? "in time" : "late")}");
            _state = S with { Timers = [.. S.Timers.Where(x => !(x.Kind == TimerKind.AnswerDeadline && x.Ref == questionId))] };
            Close(task.TaskId, inTime ? "answered in time" : "answered late");
            Close(EscalationTaskId(questionId), "answered late");
            // A late answer was already counted against the service rate when its deadline passed.
            if (inTime) _effects.Add(new CountMetric(FunnelMetric.QuestionInTime, S.ClerkId, now));
        }

        /// <summary>
        /// One complaint counts per question the lead asked and one per visit (its guided trial) in a journey
        /// generation: the complaint rate judges clerks, so a repeated complaint, or one about a question never asked,
        /// is not taken.
        /// </summary>
        public void Complain(string? questionId)
        {
            if (_state is null) return;
            if (questionId is not null && !(S.AskedQuestions ?? []).Contains(questionId)) return;
            var about = questionId is null ? "trial" : "question:" + questionId;
            if ((S.ComplaintsAbout ?? []).Contains(about)) return;
            _state = S with { ComplaintsAbout = [.. (S.ComplaintsAbout ?? []).Append(about)] };
            _changed = true;
            Log(questionId is null ? "complaint about the visit" : $"complaint about question {questionId}");
            _effects.Add(new CountMetric(FunnelMetric.Complaint, S.ClerkId, now));
        }

        public void End(JourneyStage stage, string why)
        {
            if (_state is null || S.Stage.IsFinal() && !(stage == JourneyStage.OptedOut && S.Stage != JourneyStage.OptedOut)) return;
            Enter(stage, why);
            foreach (var task in S.Tasks) _effects.Add(new CloseTask(task.TaskId, why));
            _state = S with { Timers = [], Tasks = [], EndedAt = now };
        }

        private void Enter(JourneyStage stage, string why)
        {
            _state = S with { Stage = stage, StageSince = now };
            _changed = true;
            Log(why);
        }
    }
}
