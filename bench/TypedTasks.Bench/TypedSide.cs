using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TypedTasks.Bench;

/// <summary>TypedTasks through its public API: a host with <c>AddTypedTasks</c>, the bench's tasks and optionally a worker.</summary>
public sealed class TypedSide : IAsyncDisposable
{
    private TypedSide(IHost host, BenchNames names)
    {
        Host = host;
        Names = names;
        Client = host.Services.GetRequiredService<ITaskClient>();
    }

    public IHost Host { get; }

    public BenchNames Names { get; }

    public ITaskClient Client { get; }

    public static async Task<TypedSide> StartAsync(string url, BenchNames names, Action<WorkerOptions>? worker = null, Action<TypedTasksOptions>? configure = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var typedTasks = builder.Services
            .AddTypedTasks(o =>
            {
                o.Url = url;
                o.Prefix = names.Prefix;
                o.ConnectionName = "bench-typed";
                // BENCH_TRUST_NOTIFICATIONS=on measures what reading a result back after its notification costs (L).
                o.ResultBackend.TrustNotifications = Environment.GetEnvironmentVariable("BENCH_TRUST_NOTIFICATIONS") == "on";
                configure?.Invoke(o);
            })
            .AddTask(BenchTasks.Echo)
            .AddTask(BenchTasks.Noop)
            .AddTask(BenchTasks.Stamp)
            .AddTask(BenchTasks.Sum);
        if (worker is not null)
        {
            typedTasks.AddWorker(o =>
            {
                o.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
                // BENCH_RECORD_CHECK=off measures what the first-delivery record read costs (docs/reliability.md).
                o.CheckRecordBeforeRun = Environment.GetEnvironmentVariable("BENCH_RECORD_CHECK") != "off";
                worker(o);
            });
        }

        var host = builder.Build();
        await host.StartAsync();
        return new TypedSide(host, names);
    }

    /// <summary>E1: one await per <c>EnqueueAsync</c>.</summary>
    public async Task EnqueueSequentialAsync(int n, bool withResult)
    {
        for (var i = 0; i < n; i++)
        {
            if (withResult)
            {
                await Client.EnqueueAsync<EchoArguments, int>(BenchTasks.Echo, new EchoArguments(i));
            }
            else
            {
                await Client.EnqueueAsync(BenchTasks.Noop, new EchoArguments(i));
            }
        }
    }

    /// <summary>E2: <c>EnqueueAsync</c> ValueTasks started with up to <paramref name="window"/> outstanding, awaited in order.</summary>
    public async Task EnqueueWindowedAsync(int n, int window, bool withResult)
    {
        if (withResult)
        {
            var ring = new ValueTask<TaskHandle<int>>[window];
            for (var i = 0; i < n; i++)
            {
                var slot = i % window;
                if (i >= window)
                {
                    await ring[slot];
                }

                ring[slot] = Client.EnqueueAsync<EchoArguments, int>(BenchTasks.Echo, new EchoArguments(i));
            }

            for (var i = Math.Max(0, n - window); i < n; i++)
            {
                await ring[i % window];
            }
        }
        else
        {
            var ring = new ValueTask<TaskHandle>[window];
            for (var i = 0; i < n; i++)
            {
                var slot = i % window;
                if (i >= window)
                {
                    await ring[slot];
                }

                ring[slot] = Client.EnqueueAsync(BenchTasks.Noop, new EchoArguments(i));
            }

            for (var i = Math.Max(0, n - window); i < n; i++)
            {
                await ring[i % window];
            }
        }
    }

    /// <summary>D1/D2: fills the queue with <paramref name="n"/> tasks, then starts a worker host and times from its first
    /// execution until the queue is empty (every outcome stored and acked: the worker stores before it acks).</summary>
    public static async Task<Measurement> DrainAsync(string url, BenchNames names, int n, bool withResult, Action<WorkerOptions> worker, QueueMonitor monitor, int window)
    {
        await using (var producer = await StartAsync(url, names))
        {
            await producer.EnqueueWindowedAsync(n, window, withResult);
        }

        var counter = new Countdown(n);
        BenchTasks.Counter = counter;
        try
        {
            await using var side = await StartAsync(url, names, worker);
            await counter.Done.WaitAsync(TimeSpan.FromMinutes(5));
            await monitor.WaitEmptyAsync(names, TimeSpan.FromMinutes(1));
            var end = Stopwatch.GetTimestamp();
            var allocated = GC.GetTotalAllocatedBytes(true) - counter.FirstAllocated;
            return Measurement.Timed(n, counter.FirstTimestamp, end, allocated, counter.FirstJitTime, counter.FirstCpuTime, counter.FirstServerCpuTime);
        }
        finally
        {
            BenchTasks.Counter = null;
        }
    }

    /// <summary>CPU time of this process (all threads) per measured round trip of the last <see cref="RoundTripAsync"/>, in ms.</summary>
    public static double LastCpuPerRoundTrip { get; private set; }

    /// <summary>The JIT's compile time (all threads) during the measured round trips of the last <see cref="RoundTripAsync"/>,
    /// as a share of their wall time.</summary>
    public static double LastJitShare { get; private set; }

    /// <summary>L: <c>EnqueueAsync</c> → <c>GetAsync</c>, one at a time, with a worker (defaults) in the same host.</summary>
    public async Task<double[]> RoundTripAsync(int count, int warmup)
    {
        var latencies = new double[count];
        var cpuStart = TimeSpan.Zero;
        var jitStart = TimeSpan.Zero;
        var wallStart = 0L;
        for (var i = 0; i < warmup + count; i++)
        {
            if (i == warmup)
            {
                cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                jitStart = System.Runtime.JitInfo.GetCompilationTime(false);
                wallStart = Stopwatch.GetTimestamp();
            }

            var start = Stopwatch.GetTimestamp();
            var handle = await Client.EnqueueAsync<EchoArguments, int>(BenchTasks.Echo, new EchoArguments(i));
            var result = await handle.GetAsync(TimeSpan.FromSeconds(30));
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (result != i)
            {
                throw new InvalidOperationException($"echo({i}) returned {result}");
            }

            if (i >= warmup)
            {
                latencies[i - warmup] = elapsed;
            }
        }

        LastJitShare = (System.Runtime.JitInfo.GetCompilationTime(false) - jitStart) / Stopwatch.GetElapsedTime(wallStart);
        LastCpuPerRoundTrip = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / count;
        return latencies;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        if (Host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}
