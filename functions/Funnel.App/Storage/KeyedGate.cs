namespace Funnel.App.Storage;

/// <summary>
/// Work on one key (a lead's ledger, a KOC's card) that runs one at a time in this instance, so changes to a hot key
/// wait their turn instead of racing each other's ETags (the conditional write still guards against other instances).
/// A key's gate lives while someone uses it.
/// </summary>
internal sealed class KeyedGate
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    private sealed class Gate : IDisposable
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public int Users { get; set; }

        public void Dispose() => Lock.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> when no other work of <paramref name="key"/> runs in this instance.</summary>
    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out gate!)) _gates[key] = gate = new Gate();
            gate.Users++;
        }
        try
        {
            await gate.Lock.WaitAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                gate.Lock.Release();
            }
        }
        finally
        {
            lock (_gates)
            {
                if (--gate.Users == 0)
                {
                    _gates.Remove(key);
                    gate.Dispose();
                }
            }
        }
    }
}
