using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Unicode;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace TypedTasks.Bench;

/// <summary>
/// The raw NATS.Net baseline: the same stream, consumer and bucket settings, the same message bytes and headers
/// (TT-Protocol, TT-Task, TT-Reply with a token for tasks with a result, TT-Fresh-Id, Nats-Msg-Id = the id), the same NATS.Net options and
/// serializer, one connection in the bench process — but no TypedTasks code in the path.
/// </summary>
public sealed class RawSide : IAsyncDisposable
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> BodySerializer = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;
    private static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    private readonly NatsConnection _nats;
    private readonly NatsJSContext _js;
    private readonly NatsKVContext _kv;

    private RawSide(string url, BenchNames names)
    {
        var opts = Broker.Options(url, "bench-raw");
        _nats = new NatsConnection(opts);
        _js = new NatsJSContext(_nats, new NatsJSOpts(opts));
        _kv = new NatsKVContext(_js);
        Names = names;
    }

    public BenchNames Names { get; }

    public static async Task<RawSide> StartAsync(string url, BenchNames names)
    {
        var side = new RawSide(url, names);
        await side._nats.ConnectAsync();
        await Broker.CreateInfrastructureAsync(side._js, names, withResults: true);
        return side;
    }

    /// <summary>
    /// The raw messages carry what TypedTasks' messages carry: since issues 11 and 14 a 33-character reply token on
    /// <c>TT-Reply</c> and <c>TT-Fresh-Id</c> (16 characters), and since 2026-12-07 no <c>TT-Id</c> (its <c>Nats-Msg-Id</c> is the
    /// id): 23 bytes more than at e8dfb29, in as many headers. <c>BENCH_RAW_BYTES=e8dfb29</c> sends e8dfb29's shape
    /// (bench/results/ab-2026-12-07.md measures the difference).
    /// </summary>
    private static readonly bool ExtraBytes = Environment.GetEnvironmentVariable("BENCH_RAW_BYTES") != "e8dfb29";

    /// <summary>One task message, as <c>TaskClient.PublishAsync</c> writes it, published and its PubAck checked.</summary>
    public async ValueTask PublishAsync(int value, string taskName, bool withReply, string? id = null)
    {
        id ??= Guid.CreateVersion7().ToString("N");
        var headers = new NatsHeaders
        {
            ["TT-Protocol"] = "1",
            ["TT-Task"] = taskName,
        };
        if (!ExtraBytes)
        {
            headers["TT-Id"] = id;
        }

        if (withReply)
        {
            headers["TT-Reply"] = ExtraBytes ? Names.ReplySubject + "." + id[..32] : Names.ReplySubject;
        }

        if (ExtraBytes)
        {
            headers["TT-Fresh-Id"] = "NABCDEFGHIJKLMNO";
        }

        var buffer = ArrayPool<byte>.Shared.Rent(32);
        try
        {
            "{\"value\":"u8.CopyTo(buffer);
            Utf8Formatter.TryFormat(value, buffer.AsSpan(9), out var digits);
            buffer[9 + digits] = (byte)'}';
            var ack = await _js.PublishAsync(Names.TaskSubject, new ReadOnlyMemory<byte>(buffer, 0, 10 + digits), RawSerializer, new NatsJSPubOpts { MsgId = id }, headers);
            ack.EnsureSuccess();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>E1: one await per publish.</summary>
    public async Task EnqueueSequentialAsync(int n, string taskName, bool withReply)
    {
        for (var i = 0; i < n; i++)
        {
            await PublishAsync(i, taskName, withReply);
        }
    }

    /// <summary>E2: publishes with up to <paramref name="window"/> PubAcks outstanding, awaited in order.</summary>
    public async Task EnqueueWindowedAsync(int n, int window, string taskName, bool withReply)
    {
        var ring = new ValueTask[window];
        for (var i = 0; i < n; i++)
        {
            var slot = i % window;
            if (i >= window)
            {
                await ring[slot];
            }

            ring[slot] = PublishAsync(i, taskName, withReply);
        }

        for (var i = Math.Max(0, n - window); i < n; i++)
        {
            await ring[i % window];
        }
    }

    /// <summary>D1/D2: consume the pre-filled queue; ack (D1) or store a result record of TypedTasks' size, then ack (D2),
    /// with up to <paramref name="inFlight"/> stores outstanding. Timed from the first message to an empty queue.</summary>
    public async Task<Measurement> DrainAsync(int n, bool withResult, int inFlight, QueueMonitor monitor)
    {
        var consumer = await Broker.CreateConsumerAsync(_js, Names);
        var store = await _kv.GetStoreAsync(Names.ResultsBucket);
        var counter = new Countdown(n);
        using var gate = new SemaphoreSlim(inFlight);
        using var cts = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync(BodySerializer, new NatsJSConsumeOpts { MaxMsgs = 1000 }, cts.Token))
                {
                    if (!withResult)
                    {
                        await msg.AckAsync();
                        msg.Data.Dispose();
                        counter.Signal();
                    }
                    else
                    {
                        await gate.WaitAsync(cts.Token);
                        _ = StoreThenAckAsync(store, msg, gate, counter);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await counter.Done.WaitAsync(TimeSpan.FromMinutes(5));
        await monitor.WaitEmptyAsync(Names, TimeSpan.FromMinutes(1));
        var end = Stopwatch.GetTimestamp();
        var allocated = GC.GetTotalAllocatedBytes(true) - counter.FirstAllocated;
        await cts.CancelAsync();
        await loop;
        return Measurement.Timed(n, counter.FirstTimestamp, end, allocated, counter.FirstJitTime, counter.FirstCpuTime, counter.FirstServerCpuTime);
    }

    /// <summary>CPU time of this process (all threads) per measured round trip of the last <see cref="RoundTripAsync"/>, in ms.</summary>
    public static double LastCpuPerRoundTrip { get; private set; }

    /// <summary>L: publish → consume → KV put → a shared KV watcher wakes the sender. Returns one latency (ms) per call.</summary>
    public async Task<double[]> RoundTripAsync(int count, int warmup)
    {
        var consumer = await Broker.CreateConsumerAsync(_js, Names);
        var store = await _kv.GetStoreAsync(Names.ResultsBucket);
        var waiters = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        using var cts = new CancellationTokenSource();
        using var gate = new SemaphoreSlim(64);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await store.PutAsync("ready", (ReadOnlyMemory<byte>)"1"u8.ToArray(), serializer: RawSerializer);
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in store.WatchAsync<NatsMemoryOwner<byte>>(">", BodySerializer, cancellationToken: cts.Token))
                {
                    entry.Value.Dispose();
                    if (entry.Key == "ready")
                    {
                        ready.TrySetResult();
                    }
                    else if (waiters.TryRemove(entry.Key, out var waiter))
                    {
                        waiter.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var worker = Task.Run(async () =>
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync(BodySerializer, new NatsJSConsumeOpts { MaxMsgs = 1000 }, cts.Token))
                {
                    await gate.WaitAsync(cts.Token);
                    _ = StoreThenAckAsync(store, msg, gate, null);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var latencies = new double[count];
        var cpuStart = TimeSpan.Zero;
        for (var i = 0; i < warmup + count; i++)
        {
            if (i == warmup)
            {
                cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            }

            var id = Guid.CreateVersion7().ToString("N");
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = Stopwatch.GetTimestamp();
            waiters[id] = waiter;
            await PublishAsync(i, BenchTasks.Echo.Name, withReply: true, id);
            await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= warmup)
            {
                latencies[i - warmup] = elapsed;
            }
        }

        await cts.CancelAsync();
        await Task.WhenAll(watcher, worker);
        LastCpuPerRoundTrip = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / count;
        return latencies;
    }

    /// <summary>One KV get of a key that does not exist, one at a time: the read <c>NatsResultBackend.WaitForNotificationAsync</c>
    /// makes before it waits. Returns one latency (ms) per call.</summary>
    public async Task<double[]> KvGetLatencyAsync(int count, int warmup)
    {
        var store = await _kv.GetStoreAsync(Names.ResultsBucket);
        var latencies = new double[count];
        for (var i = 0; i < warmup + count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var entry = await store.TryGetEntryAsync<ReadOnlyMemory<byte>>(Guid.CreateVersion7().ToString("N"), serializer: RawSerializer);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (entry.Success)
            {
                throw new InvalidOperationException("A random key exists.");
            }

            if (i >= warmup)
            {
                latencies[i - warmup] = elapsed;
            }
        }

        return latencies;
    }

    private static async Task StoreThenAckAsync(INatsKVStore store, INatsJSMsg<NatsMemoryOwner<byte>> msg, SemaphoreSlim gate, Countdown? counter)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(512);
        try
        {
            var id = (msg.Headers!.TryGetValue("TT-Id", out var taskId) ? taskId : msg.Headers["Nats-Msg-Id"]).ToString();
            var length = WriteRecord(buffer, id, msg.Data.Memory.Span);
            await store.PutAsync(id, new ReadOnlyMemory<byte>(buffer, 0, length), serializer: RawSerializer);
            await msg.AckAsync();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            msg.Data.Dispose();
            gate.Release();
            counter?.Signal();
        }
    }

    /// <summary>A result record of the same shape and size as TypedTasks writes (<c>docs/protocol.md</c>).</summary>
    private static int WriteRecord(byte[] buffer, string id, ReadOnlySpan<byte> body)
    {
        // body is {"value":N}: the echo result is N.
        var result = body[9..^1];
        var now = DateTimeOffset.UtcNow;
        Utf8.TryWrite(buffer, $"{{\"v\":1,\"id\":\"{id}\",\"task\":\"bench.echo\",\"state\":\"SUCCESS\",\"result\":", out var head);
        result.CopyTo(buffer.AsSpan(head));
        Utf8.TryWrite(buffer.AsSpan(head + result.Length), $",\"attempts\":1,\"worker\":\"{WorkerName}\",\"startedAt\":\"{now:O}\",\"completedAt\":\"{now:O}\"}}", out var tail);
        return head + result.Length + tail;
    }

    public ValueTask DisposeAsync() => _nats.DisposeAsync();
}

/// <summary>One timed run: how many, how long, bytes allocated in the process meanwhile.</summary>
public readonly record struct Measurement(int Count, double Seconds, long AllocatedBytes)
{
    /// <summary>The JIT's compile time (all threads) during the timed part, as a share of it: how much of the cores tiered
    /// compilation still took while this was measured.</summary>
    public double JitShare { get; init; }

    /// <summary>The bench process's CPU time (all threads) per operation over the timed part, in µs (drains only; 0 when not
    /// measured): on a shared 2-core box a steadier measure of a side's own cost than its rate.</summary>
    public double CpuMicrosPerOp { get; init; }

    /// <summary>The nats-server's CPU time per operation over the timed part, in µs (0 when not measured).</summary>
    public double ServerCpuMicrosPerOp { get; init; }

    /// <summary>A run timed from <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp) to <paramref name="end"/>, with
    /// the JIT's compile time since <paramref name="jitAtStart"/>.</summary>
    public static Measurement Timed(int count, long start, long end, long allocatedBytes, TimeSpan jitAtStart, TimeSpan? cpuAtStart = null, TimeSpan? serverCpuAtStart = null)
    {
        var seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        return new Measurement(count, seconds, allocatedBytes)
        {
            JitShare = (System.Runtime.JitInfo.GetCompilationTime(false) - jitAtStart).TotalSeconds / seconds,
            CpuMicrosPerOp = cpuAtStart is { } cpu ? (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / count : 0,
            ServerCpuMicrosPerOp = serverCpuAtStart is { } server && server > TimeSpan.Zero ? (NatsServerProcess.ServerCpu - server).TotalMilliseconds * 1000 / count : 0,
        };
    }

    public double Rate => Count / Seconds;

    public double AllocatedPerOp => (double)AllocatedBytes / Count;
}
