using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Topology;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>A host with the TypedTasks client (and optionally a worker) on a test's own prefix.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private static int s_counter;

    private TestApp(IHost host, string prefix)
    {
        Host = host;
        Prefix = prefix;
    }

    public IHost Host { get; }

    public string Prefix { get; }

    public ITaskClient Client => Host.Services.GetRequiredService<ITaskClient>();

    public Probe Probe => Host.Services.GetRequiredService<Probe>();

    internal TypedTasksConnection Connection => Host.Services.GetRequiredService<TypedTasksConnection>();

    /// <summary>A prefix no other test uses, so streams and buckets do not collide on a shared server.</summary>
    public static string NewPrefix() => "t" + Interlocked.Increment(ref s_counter) + "_" + Guid.NewGuid().ToString("N")[..6];

    public static async Task<TestApp> StartAsync(
        NatsServer server,
        bool worker = true,
        string? prefix = null,
        Action<TypedTasksBuilder>? tasks = null,
        Action<WorkerOptions>? workerOptions = null,
        Action<TypedTasksOptions>? options = null,
        Probe? probe = null,
        Action<IServiceCollection>? services = null)
    {
        prefix ??= NewPrefix();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("TT_TEST_LOG") == "1" ? LogLevel.Debug : LogLevel.Warning);
        var recent = new RecentLog();
        builder.Logging.AddProvider(recent);
        if (Environment.GetEnvironmentVariable("TT_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        builder.Services.AddSingleton(probe ?? new Probe());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var typedTasks = builder.Services.AddTypedTasks(o =>
        {
            o.Url = server.Url;
            o.Prefix = prefix;
            o.Broker.Storage = StorageType.File;
            options?.Invoke(o);
        });
        (tasks ?? (b => b.AddHandWrittenTasks())).Invoke(typedTasks);
        if (worker)
        {
            typedTasks.AddWorker(o =>
            {
                o.Concurrency = 2;
                o.ShutdownGracePeriod = TimeSpan.FromSeconds(10);
                workerOptions?.Invoke(o);
            });
        }

        services?.Invoke(builder.Services);
        var host = builder.Build();
        var started = DateTimeOffset.UtcNow;
        await host.StartAsync();
        var app = new TestApp(host, prefix);
        if (worker)
        {
            try
            {
                await app.WorkerStarted.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Say why: the worker's own warnings (a retried consumer creation, an unreachable bucket) are the cause.
                throw new TimeoutException($"The worker on prefix {prefix} did not start within 30 s (host started {started:HH:mm:ss.fff}); its warnings:\n  " + string.Join("\n  ", recent.Lines.DefaultIfEmpty("(none)")));
            }
        }

        return app;
    }

    internal Worker.TaskWorker WorkerService => Host.Services.GetServices<IHostedService>().OfType<Worker.TaskWorker>().Single();

    public Task WorkerStarted => WorkerService.Started;

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await ((IAsyncDisposable)Host).DisposeAsync();
    }
}
