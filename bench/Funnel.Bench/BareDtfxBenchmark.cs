using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Funnel.App.Storage;
using Funnel.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Funnel.Bench;

/// <summary>
/// The Durable Task Framework alone, in the benchmark's process, on its own task hub of the same Azurite, with the
/// settings the app gives its engine (4 partitions, 5 s longest poll, 100 orchestrations and 64 activities at once,
/// extended sessions of 10 s, events carried over a ContinueAsNew). Its orchestration has the journey's shape and no business: a pending event
/// at the start, then wait for an event raced against a durable timer, run one activity that answers its input,
/// repeat; ContinueAsNew every 16 steps. Storage requests are counted by the app's own pipeline policy.
/// </summary>
internal sealed class BareDtfxBenchmark : IAsyncDisposable
{
    private readonly StorageRequestCounter _counter = new();
    private readonly TaskHubWorker _worker;
    private readonly BareTally _tally = new();
    private readonly int _azuritePid;
    private bool _stopped;

    private BareDtfxBenchmark(AzuriteServer azurite, string hub)
    {
        _azuritePid = azurite.ProcessId;
        var cs = azurite.ConnectionString;
        Service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = hub,
            StorageAccountClientProvider = new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(cs, _counter.Apply(new BlobClientOptions())),
                StorageServiceClientProvider.ForQueue(cs, _counter.Apply(new QueueClientOptions())),
                StorageServiceClientProvider.ForTable(cs, _counter.Apply(new TableClientOptions()))),
            PartitionCount = 4,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(5),
            MaxConcurrentTaskOrchestrationWorkItems = 100,
            MaxConcurrentTaskActivityWorkItems = 64,
            ExtendedSessionsEnabled = true,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(10),
            EventBehaviourForContinueAsNew = BehaviorOnContinueAsNew.Carryover,
            LoggerFactory = NullLoggerFactory.Instance,
        });
        Client = new TaskHubClient(Service, loggerFactory: NullLoggerFactory.Instance);
        _worker = new TaskHubWorker(Service, NullLoggerFactory.Instance);
        _worker.AddTaskOrchestrations(new Funnel.App.Journeys.EngineObjectCreator<TaskOrchestration>(BareOrchestration.Name, BareOrchestration.Version, () => new BareOrchestration()));
        _worker.AddTaskActivities(new Funnel.App.Journeys.EngineObjectCreator<TaskActivity>(EchoActivity.Name, EchoActivity.Version, () => new EchoActivity(_tally)));
    }

    private AzureStorageOrchestrationService Service { get; }
    private TaskHubClient Client { get; }

    /// <summary>
    /// Events on one task hub, timers on a second (as Funnel's timers run on a second app with its own hub); both hubs
    /// are deleted after, so that Funnel's run finds Azurite as this one did (Azurite scans every queue's messages on
    /// each receive, so leftover messages would slow whoever comes next).
    /// </summary>
    public static async Task<EngineResults> RunAsync(AzuriteServer azurite, int instances, int clients)
    {
        EngineResults results;
        await using (var events = await StartAsync(azurite, "barehub"))
        {
            var (starts, idle, phase) = await events.EventsAsync(instances, clients);
            var history = await HistoryStats.ReadAsync(azurite, "barehub", instances + JourneyBenchmark.WarmUp);
            await events.StopAsync();
            await using var timers = await StartAsync(azurite, "baretimers");
            var timerPhase = await timers.TimersAsync(instances / 2, clients);
            results = new EngineResults("bare DTFx", starts, idle, phase.Result, timerPhase.Result, phase.PerItemByKind, timerPhase.PerItemByKind, history, null);
            await timers.DeleteAsync();
            await events.DeleteAsync();
        }
        return results;
    }

    private static async Task<BareDtfxBenchmark> StartAsync(AzuriteServer azurite, string hub)
    {
        var bench = new BareDtfxBenchmark(azurite, hub);
        await bench.Service.CreateIfNotExistsAsync();
        await bench._worker.StartAsync();
        return bench;
    }

    private async Task DeleteAsync()
    {
        await StopAsync();
        await Service.DeleteAsync();
    }

    private async Task StopAsync()
    {
        if (!_stopped) await _worker.StopAsync(isForced: true);
        _stopped = true;
    }

    private Task<StorageSnapshot> ReadAsync() =>
        Task.FromResult(new StorageSnapshot(_counter.Requests, _counter.Requests, _counter.ByKind().ToDictionary(k => "engine|" + k.Key, k => k.Value.Requests),
            _counter.ByKind().Sum(k => k.Value.TotalMs)));

    private Task<OrchestrationInstance> CreateAsync(string id, double timerSeconds) =>
        Client.CreateOrchestrationInstanceAsync(BareOrchestration.Name, BareOrchestration.Version, id, Input(new BareInput(true, timerSeconds, null)), null, Funnel.App.Journeys.JourneyService.NotToStartAgain); // the statuses the app de-duplicates a journey's start on

    /// <summary>Instances on every partition, so that the worker owns its leases before anything is timed.</summary>
    private async Task WarmUpAsync()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, JourneyBenchmark.WarmUp), async (i, _) => await CreateAsync($"warm-{i}", 86400));
        await JourneyBenchmark.WaitUntilAsync(() => Task.FromResult(_tally.Starts >= JourneyBenchmark.WarmUp), TimeSpan.FromMinutes(2));
    }

    /// <summary>Starts (each instance takes its pending "start" event through the activity), idle, then two events per instance.</summary>
    private async Task<(PhaseResult Starts, double Idle, Phase Events)> EventsAsync(int instances, int clients)
    {
        var cpu = new CpuProbe(_azuritePid, Environment.ProcessId);
        await WarmUpAsync();
        var started0 = _tally.Starts;
        var phase = await JourneyBenchmark.PhaseAsync(ReadAsync, cpu, instances, 1, clients, i => CreateAsync($"bare-{i}", 86400),
            () => Task.FromResult(_tally.Starts - started0 >= instances), () => Task.FromResult(_tally.LastStart), sweep: false);
        var starts = phase.Result;
        Console.Error.WriteLine($"bare starts: {starts}");
        var idle = await JourneyBenchmark.IdleAsync(ReadAsync);
        Console.Error.WriteLine($"bare idle: {idle:F1} storage requests/s");

        // One event after the other to an instance, `clients` instances at a time.
        var events = await JourneyBenchmark.PhaseAsync(ReadAsync, cpu, instances, 2, clients, async i =>
            {
                var instance = new OrchestrationInstance { InstanceId = $"bare-{i}" };
                await Client.RaiseEventAsync(instance, BareOrchestration.EventName, $"o{i}");
                await Client.RaiseEventAsync(instance, BareOrchestration.EventName, $"b{i}");
            },
            () => Task.FromResult(_tally.Events >= instances * 2), () => Task.FromResult(_tally.LastEvent));
        Console.Error.WriteLine($"bare events: {events.Result}");
        return (starts, idle, events);
    }

    /// <summary>Timers: starts whose timer is a day away, then as many whose timer comes soon after (<see cref="JourneyBenchmark.TimerPhasesAsync"/>).</summary>
    private async Task<Phase> TimersAsync(int count, int clients)
    {
        await WarmUpAsync();
        var started0 = _tally.Starts;
        var timers = await JourneyBenchmark.TimerPhasesAsync(ReadAsync, new CpuProbe(_azuritePid, Environment.ProcessId), count, clients,
            i => CreateAsync($"far-{i}", 86400), () => Task.FromResult(_tally.Starts - started0 >= count),
            delay => Task.FromResult<(Func<int, Task>, TimeSpan)>((i => CreateAsync($"near-{i}", delay.TotalSeconds), delay)),
            () => Task.FromResult(_tally.Starts - started0 >= 2 * count), () => Task.FromResult(_tally.Timers), () => Task.FromResult(_tally.LastTimer));
        Console.Error.WriteLine($"bare timers: {timers.Result}");
        return timers;
    }

    private static string Input(BareInput input) => JsonSerializer.Serialize(input);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _worker.Dispose();
    }

    /// <summary>What the activity saw, and when it last saw each kind.</summary>
    internal sealed class BareTally
    {
        private long _starts, _events, _timers;

        public long Starts => Interlocked.Read(ref _starts);
        public long Events => Interlocked.Read(ref _events);
        public long Timers => Interlocked.Read(ref _timers);
        public DateTime LastStart { get; private set; }
        public DateTime LastEvent { get; private set; }
        public DateTime LastTimer { get; private set; }

        public void Saw(string input)
        {
            var now = DateTime.UtcNow;
            lock (this)
            {
                if (input == "start") { _starts++; LastStart = now; }
                else if (input == "timer") { _timers++; LastTimer = now; }
                else { _events++; LastEvent = now; }
            }
        }
    }

    /// <summary>The activity: no business, it answers its input (and tells the tally).</summary>
    private sealed class EchoActivity(BareTally tally) : TaskActivity<string, string>
    {
        public const string Name = "Echo";
        public const string Version = "1";

        protected override string Execute(TaskContext context, string input)
        {
            tally.Saw(input);
            return input;
        }
    }

    /// <param name="StartStep">A pending event at the start (as a journey's first scan).</param>
    /// <param name="TimerSeconds">The first timer, after the first execution's start.</param>
    /// <param name="TimerAt">The timer carried over a ContinueAsNew.</param>
    private sealed record BareInput(bool StartStep, double TimerSeconds, DateTime? TimerAt);

    /// <summary>The journey's loop without the journey (compare Funnel.App/Journeys/JourneyOrchestration.cs).</summary>
    private sealed class BareOrchestration : TaskOrchestration<string, string, string, string>
    {
        public const string Name = "Bare";
        public const string Version = "1";
        public const string EventName = "bare-event";
        private const int StepsPerGeneration = 16;
        private static readonly RetryOptions Retry = new(TimeSpan.FromSeconds(5), 10) { BackoffCoefficient = 1.5, MaxRetryInterval = TimeSpan.FromMinutes(10) };

        private readonly Funnel.App.Journeys.EventInbox<string> _events = new();

        public override async Task<string> RunTask(OrchestrationContext context, string input)
        {
            var start = JsonSerializer.Deserialize<BareInput>(input)!;
            var timerAt = start.TimerAt ?? context.CurrentUtcDateTime.AddSeconds(start.TimerSeconds);
            if (start.StartStep) _events.Add("start");
            for (var steps = 0; ; steps++)
            {
                string payload;
                if (_events.Count == 0)
                {
                    if (steps >= StepsPerGeneration)
                    {
                        context.ContinueAsNew(Version, Input(new BareInput(false, 0, timerAt)));
                        return "";
                    }
                    var arrived = _events.WhenAny();
                    using var cancel = new CancellationTokenSource();
                    var timer = context.CreateTimer(timerAt, "timer", cancel.Token);
                    if (await Task.WhenAny(timer, arrived) != timer)
                    {
                        cancel.Cancel();
                        continue;
                    }
                    timerAt = context.CurrentUtcDateTime.AddDays(1);
                    payload = "timer";
                }
                else
                {
                    payload = _events.Take();
                }
                await context.ScheduleWithRetry<string>(EchoActivity.Name, EchoActivity.Version, Retry, payload);
            }
        }

        public override void OnEvent(OrchestrationContext context, string name, string input)
        {
            if (name != EventName || string.IsNullOrEmpty(input)) return;
            _events.Add(input);
        }
    }
}
