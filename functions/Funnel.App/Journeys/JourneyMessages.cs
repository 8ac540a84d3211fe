using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Funnel.App.Storage;
using Funnel.App.Stores;
using Funnel.Core.Journeys;

namespace Funnel.App.Journeys;

/// <summary>
/// What a journey follows besides its code: the store's nurture settings in its time zone. It travels in the
/// orchestration's input and comes back with every committed step (the store's current settings), so a change HQ makes
/// reaches a running journey at its next step, and a replay sees exactly what the first run saw.
/// </summary>
internal sealed record JourneyRules(string TimeZone, JourneySettings Settings)
{
    public static JourneyRules Of(StoreSettings store) => new(store.TimeZone, store.JourneyOrDefaults);

    public JourneyPolicy Policy() => Settings.Policy(TimeZones.Find(TimeZone));
}

/// <summary>
/// An event raised to a journey (the engine's external event <see cref="JourneyOrchestration.EventName"/>), as the
/// API, a scan, a purchase or a share link sends it. <see cref="At"/> is app time.
/// </summary>
internal sealed record JourneyEventMessage(
    string Type, DateTimeOffset At, string? EventId = null, string? ClerkId = null, DateTimeOffset? Slot = null, string? QuestionId = null)
{
    public static JourneyEventMessage Of(JourneyEvent e) => e switch
    {
        Scanned s => new("scanned", s.At, s.EventId, ClerkId: s.ClerkId),
        ContentOpened c => new("content-opened", c.At, c.EventId),
        TrialBooked b => new("trial-booked", b.At, b.EventId, Slot: b.Slot),
        TrialCompleted t => new("trial-completed", t.At, t.EventId),
        QuestionAsked q => new("question-asked", q.At, q.EventId, QuestionId: q.QuestionId),
        QuestionAnswered a => new("question-answered", a.At, a.EventId, QuestionId: a.QuestionId),
        OptedOut o => new("opted-out", o.At, o.EventId),
        Complained c => new("complaint", c.At, c.EventId, QuestionId: c.QuestionId),
        Purchased p => new("purchased", p.At, p.EventId),
        _ => throw new ArgumentException($"{e.GetType().Name} is not raised to a journey.", nameof(e)),
    };

    /// <summary>The event, or null when the message does not describe one (it is then dropped, never retried).</summary>
    public JourneyEvent? ToEvent() => Type switch
    {
        "scanned" => new Scanned(At, ClerkId, EventId),
        "content-opened" => new ContentOpened(At, EventId),
        "trial-booked" when Slot is { } slot => new TrialBooked(At, slot, EventId),
        "trial-completed" => new TrialCompleted(At, EventId),
        "question-asked" when QuestionId is { } q => new QuestionAsked(At, q, EventId),
        "question-answered" when QuestionId is { } q => new QuestionAnswered(At, q, EventId),
        "opted-out" => new OptedOut(At, EventId),
        "complaint" => new Complained(At, EventId, QuestionId),
        "purchased" => new Purchased(At, EventId),
        _ => null,
    };
}

/// <summary>
/// The orchestration's input: which journey, its clock and rules, the state it continues from (null: a new journey),
/// events not yet applied (the starting scan), the outcomes of the latest events (kept across ContinueAsNew) and the
/// passes this generation takes before it continues as new (null: <see cref="JourneyOrchestration.DefaultStepsPerGeneration"/>).
/// </summary>
internal sealed record JourneyInput(
    string StoreId, string LeadId, JourneyClock Clock, JourneyRules Rules, JourneyState? State, IReadOnlyList<JourneyEventMessage> Pending,
    IReadOnlyList<EventOutcome>? Outcomes = null, int? StepsPerGeneration = null);

/// <summary>
/// What became of an event with an id: <c>applied</c> (it changed the journey), <c>ignored</c> (the stage did not take it),
/// <c>duplicate</c> (its id was applied before) or <c>failed</c> (storage refused its step after every retry).
/// </summary>
internal sealed record EventOutcome(string EventId, string Outcome);

/// <summary>
/// The journey's custom status in the engine (written with every checkpoint, read with one point read): the stage,
/// the step version, and the outcomes of the latest events with ids, so a client that got 202 can learn what its
/// event did.
/// </summary>
internal sealed record JourneyStatus(string Stage, int Version, IReadOnlyList<EventOutcome> Events)
{
    public const int OutcomesKept = 32;
}

/// <summary>What the commit activity is given: the store and the decided step.</summary>
internal sealed record CommitStepInput(string StoreId, JourneyStep Step)
{
    /// <summary>What an answer carries to show which commit it answers: a digest of that commit's input, as the engine carried it.</summary>
    public static string ReceiptOf(string input) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(input)).AsSpan(0, 12));
}

/// <summary>
/// What the commit activity answers: the journey as written (with its cohort seat) and the store's current rules; with
/// <see cref="Conflict"/>, the journey as stored, which another step of that version wrote (decide again from it).
/// <see cref="For"/> is the receipt of the input it answers (<see cref="CommitStepInput.ReceiptOf"/>).
/// </summary>
internal sealed record CommitStepResult(JourneyState State, JourneyRules Rules, bool Repeated, bool Conflict = false, string? For = null)
{
    /// <summary>
    /// The answer to the commit with <paramref name="receipt"/>, or null when <paramref name="answer"/> is another commit's
    /// (see <see cref="EngineCalls"/>). An answer without a receipt (written before answers carried one) is taken, as it was then.
    /// </summary>
    public static CommitStepResult? Answering(string answer, string receipt) =>
        JourneyJson.Read<CommitStepResult>(answer) is var result && (result.For is null || result.For == receipt) ? result : null;
}

/// <summary>One serializer for everything the engine carries (inputs, events, activity results: strings in its history).</summary>
internal static class JourneyJson
{
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, JourneyRows.Json);

    public static T Read<T>(string json) where T : class =>
        JsonSerializer.Deserialize<T>(json, JourneyRows.Json) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>The instance id of a lead's journey at a store: one per lead and store, so starting it twice finds the first.</summary>
    public static string InstanceId(string storeId, string leadId) => $"journey:{storeId}:{leadId}";
}
