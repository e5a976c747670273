using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace TypedTasks.Bench;

/// <summary>
/// The NATS names TypedTasks derives from a prefix (<c>src/Runtime/Broker/NatsNames.cs</c>, <c>docs/protocol.md</c>),
/// rebuilt here because the runtime's own type is internal. The raw baseline uses the very same layout.
/// </summary>
public sealed class BenchNames(string prefix)
{
    private static int s_counter;

    public string Prefix { get; } = prefix.ToLowerInvariant();

    public string TasksStream => Prefix.ToUpperInvariant() + "_TASKS";

    public string DeadStream => Prefix.ToUpperInvariant() + "_DEAD";

    public string ResultsBucket => Prefix.ToUpperInvariant() + "_RESULTS";

    public string TaskSubject => Prefix + ".tasks." + BenchTasks.Queue;

    public string TasksWildcard => Prefix + ".tasks.>";

    public string Consumer => Prefix + "_" + BenchTasks.Queue;

    /// <summary>A reply subject of the length TypedTasks uses (<c>tt.results.&lt;32 hex&gt;</c>).</summary>
    public string ReplySubject { get; } = prefix.ToLowerInvariant() + ".results." + Guid.NewGuid().ToString("N");

    /// <summary>A fresh prefix per measurement, so that runs never share a stream, consumer or bucket.</summary>
    public static BenchNames Fresh(string kind) => new($"b{Interlocked.Increment(ref s_counter)}{kind}_{Guid.NewGuid().ToString("N")[..6]}");
}

/// <summary>The settings both sides use, and the monitor connection that reads queue depth and cleans up.</summary>
public static class Broker
{
    /// <summary>The NATS.Net options TypedTasks builds (<c>TypedTasksConnection</c>): defaults, the URL, a 10 s request timeout.</summary>
    public static NatsOpts Options(string url, string name) => NatsOpts.Default with
    {
        Url = url,
        Name = name,
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The task stream and result bucket exactly as <c>TypedTasksConnection.CreateInfrastructureAsync</c> creates them.</summary>
    public static async Task CreateInfrastructureAsync(NatsJSContext js, BenchNames names, bool withResults)
    {
        await js.CreateOrUpdateStreamAsync(new StreamConfig(names.TasksStream, [names.TasksWildcard])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
            NumReplicas = 1,
            Discard = StreamConfigDiscard.New,
            MaxMsgs = -1,
            MaxBytes = -1,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        });
        if (withResults)
        {
            var kv = new NatsKVContext(js);
            await kv.CreateOrUpdateStoreAsync(new NatsKVConfig(names.ResultsBucket)
            {
                MaxAge = TimeSpan.FromDays(1),
                History = 1,
                NumberOfReplicas = 1,
                Storage = NatsKVStorageType.File,
            });
        }
    }

    /// <summary>The durable pull consumer exactly as the TypedTasks worker creates it.</summary>
    public static Task<INatsJSConsumer> CreateConsumerAsync(NatsJSContext js, BenchNames names)
        => js.CreateOrUpdateConsumerAsync(names.TasksStream, new ConsumerConfig(names.Consumer)
        {
            DurableName = names.Consumer,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            FilterSubject = names.TaskSubject,
            AckWait = TimeSpan.FromSeconds(3),
            MaxAckPending = 10_000,
        }).AsTask();
}

/// <summary>A separate connection that watches queue depth (consumer NumPending + NumAckPending) and removes a run's streams.</summary>
public sealed class QueueMonitor : IAsyncDisposable
{
    private readonly NatsConnection _nats;
    private readonly NatsJSContext _js;

    public QueueMonitor(string url)
    {
        _nats = new NatsConnection(Broker.Options(url, "bench-monitor"));
        _js = new NatsJSContext(_nats);
    }

    public NatsJSContext JetStream => _js;

    public async Task<long> DepthAsync(BenchNames names)
    {
        try
        {
            var consumer = await _js.GetConsumerAsync(names.TasksStream, names.Consumer);
            return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return long.MaxValue;
        }
    }

    /// <summary>Polls every millisecond until the queue is empty: nothing pending, nothing delivered and unacked.</summary>
    public async Task WaitEmptyAsync(BenchNames names, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (await DepthAsync(names) != 0)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Queue {names.Consumer} not empty after {timeout} (depth {await DepthAsync(names)}).");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Deletes every stream a measurement made: its tasks, dead letters and results, and whatever else the TypedTasks side
    /// created under its prefix (schedules, revocations, workers, the task catalog, …). Left behind, hundreds of idle
    /// streams from the warm-up and earlier runs would weigh on the server for the rest of the bench, more for the side
    /// that creates more of them.
    /// </summary>
    public async Task CleanupAsync(BenchNames names)
    {
        var prefix = names.Prefix.ToUpperInvariant() + "_";
        var made = new List<string>();
        await foreach (var stream in _js.ListStreamNamesAsync())
        {
            if (stream.StartsWith(prefix, StringComparison.Ordinal) || stream.StartsWith("KV_" + prefix, StringComparison.Ordinal)
                || stream.StartsWith("OBJ_" + prefix, StringComparison.Ordinal))
            {
                made.Add(stream);
            }
        }

        foreach (var stream in made)
        {
            await DeleteStreamAsync(stream);
        }

        LastCleanup = made.Count;
    }

    /// <summary>How many streams the last <see cref="CleanupAsync"/> deleted.</summary>
    public int LastCleanup { get; private set; }

    /// <summary>How many streams the server holds now.</summary>
    public async Task<int> StreamCountAsync()
    {
        var count = 0;
        await foreach (var _ in _js.ListStreamNamesAsync())
        {
            count++;
        }

        return count;
    }

    /// <summary>Deletes a stream if it exists.</summary>
    public async Task DeleteStreamAsync(string stream)
    {
        try
        {
            await _js.DeleteStreamAsync(stream);
        }
        catch (NatsJSApiException)
        {
        }
    }

    public ValueTask DisposeAsync() => _nats.DisposeAsync();
}

/// <summary>Completes when a counter reaches a target.</summary>
public sealed class Countdown(long target)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count;
    private long _firstTimestamp;
    private long _firstAllocated;
    private long _firstJitTicks;
    private long _firstCpuTicks;
    private long _firstServerCpuTicks;

    public Task Done => _done.Task;

    public long FirstTimestamp => Volatile.Read(ref _firstTimestamp);

    public long FirstAllocated => Volatile.Read(ref _firstAllocated);

    /// <summary>The JIT's compile time (all threads) when the first task was handled.</summary>
    public TimeSpan FirstJitTime => TimeSpan.FromTicks(Volatile.Read(ref _firstJitTicks));

    /// <summary>The process's CPU time (all threads) when the first task was handled.</summary>
    public TimeSpan FirstCpuTime => TimeSpan.FromTicks(Volatile.Read(ref _firstCpuTicks));

    /// <summary>The nats-server's CPU time when the first task was handled.</summary>
    public TimeSpan FirstServerCpuTime => TimeSpan.FromTicks(Volatile.Read(ref _firstServerCpuTicks));

    public long Count => Volatile.Read(ref _count);

    /// <summary>Reads the broker's CPU time; set by the bench's own server (NatsServerProcess), zero elsewhere (the micro
    /// benchmarks link this file without it).</summary>
    public static Func<TimeSpan> ServerCpu { get; set; } = static () => TimeSpan.Zero;

    public void Signal()
    {
        var n = Interlocked.Increment(ref _count);
        if (n == 1)
        {
            Volatile.Write(ref _firstAllocated, GC.GetTotalAllocatedBytes(false));
            Volatile.Write(ref _firstJitTicks, System.Runtime.JitInfo.GetCompilationTime(false).Ticks);
            Volatile.Write(ref _firstCpuTicks, Process.GetCurrentProcess().TotalProcessorTime.Ticks);
            Volatile.Write(ref _firstServerCpuTicks, ServerCpu().Ticks);
            Volatile.Write(ref _firstTimestamp, Stopwatch.GetTimestamp());
        }

        if (n == target)
        {
            _done.TrySetResult();
        }
    }
}
