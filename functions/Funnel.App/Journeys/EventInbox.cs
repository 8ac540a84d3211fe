namespace Funnel.App.Journeys;

/// <summary>
/// An orchestration's external events, in the order the engine delivered them: <c>OnEvent</c> adds one, the loop takes
/// them, and <see cref="WhenAny"/> is the task to race against a durable timer while none is waiting. Orchestration
/// code only; it awaits nothing but the engine's own tasks and this one, which <see cref="Add"/> completes inline.
/// </summary>
internal sealed class EventInbox<T>
{
    private readonly Queue<T> _events = new();
    private TaskCompletionSource<bool>? _arrived;

    public int Count => _events.Count;

    public void Add(T e)
    {
        _events.Enqueue(e);
        _arrived?.TrySetResult(true);
    }

    public T Take() => _events.Dequeue();

    /// <summary>Completes once an event is waiting (at once when one already is).</summary>
    public Task WhenAny()
    {
        if (_events.Count > 0) return Task.CompletedTask;
        _arrived = new TaskCompletionSource<bool>();
        return _arrived.Task;
    }
}
