using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace TypedTasks.Integration.Tests.Infrastructure;

/// <summary>
/// A nats-server running <c>docs/security/nats-server.conf</c> exactly — the four roles (producer, worker, operator,
/// monitor) with passwords from the environment — for the security tests (issue 11).
/// </summary>
public sealed class SecuredNatsServer : IAsyncLifetime
{
    public const string ProducerPassword = "producer-Pw-9c1e27";
    public const string WorkerPassword = "worker-Pw-5d8a40";
    public const string OperatorPassword = "operator-Pw-7b3f19";
    public const string MonitorPassword = "monitor-Pw-2e6c88";

    public NatsServer Server { get; } = new()
    {
        ConfigFile = RepositoryFile("docs/security/nats-server.conf"),
        Environment = new Dictionary<string, string>
        {
            ["TT_PRODUCER_PASSWORD"] = ProducerPassword,
            ["TT_WORKER_PASSWORD"] = WorkerPassword,
            ["TT_OPERATOR_PASSWORD"] = OperatorPassword,
            ["TT_MONITOR_PASSWORD"] = MonitorPassword,
        },
    };

    public string Url => Server.Url;

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>The settings of a role as an application gives them: configuration keys only.</summary>
    public Dictionary<string, string> Settings(string role, string password) => new()
    {
        ["TypedTasks:Url"] = Url,
        ["TypedTasks:Auth:Username"] = role,
        ["TypedTasks:Auth:Password"] = password,
        ["TypedTasks:InboxPrefix"] = "_INBOX_" + role,
    };

    /// <summary>A host whose TypedTasks settings come only from configuration keys (as appsettings or the environment).</summary>
    /// <remarks>With <paramref name="waitStarted"/> off, returns once the host started, without waiting for the worker's
    /// <c>Started</c> (it is visible: first heartbeat, catalog, remote control).</remarks>
    public static async Task<IHost> StartHostAsync(IDictionary<string, string> settings, bool worker, ILoggerProvider? logs = null, Action<IServiceCollection>? services = null, bool waitStarted = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }

        var typedTasks = builder.Services.AddTypedTasks(builder.Configuration).AddHandWrittenTasks().AddTypedTasksIntegrationTestsTasks();
        if (worker)
        {
            typedTasks.AddWorker(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(5));
        }

        builder.Services.AddSingleton(new Probe());
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        if (worker && waitStarted)
        {
            await host.Services.GetServices<IHostedService>().OfType<Worker.TaskWorker>().Single().Started.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        return host;
    }

    /// <summary>A plain NATS.Net connection as a role, to try what TypedTasks itself never does.</summary>
    public NatsConnection Connect(string role, string password) => new(NatsOpts.Default with
    {
        Url = Url,
        AuthOpts = NatsAuthOpts.Default with { Username = role, Password = password },
        InboxPrefix = "_INBOX_" + role,
        RequestTimeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>A file of the repository (docs/security/nats-server.conf, …), found above the test's binaries.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>Every log line and logged exception of a host, to look for secrets in.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Text => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
