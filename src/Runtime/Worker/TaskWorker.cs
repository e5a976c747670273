using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using TypedTasks.Backend;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Intake;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Worker;

/// <summary>
/// Pulls tasks from the broker and runs them (Celery's worker), as a hosted service.
/// </summary>
/// <remarks>
/// Pipeline: one fetch loop per queue pulls only as many messages as there are free permits
/// (concurrency + prefetch), so the worker never holds more than it can keep alive; <c>Concurrency</c>
/// runner loops execute them; a slot is held only while user code runs. Storing the outcome and then
/// acking (always in that order) happens beside the slots, up to <c>MaxPendingOutcomes</c> at once, so
/// short tasks are not limited by concurrency × result-store round trip. Every held message gets a
/// progress ack each third of AckWait, so a short AckWait redelivers a dead worker's tasks quickly while
/// a live long task is never handed to a second worker.
/// </remarks>
internal sealed partial class TaskWorker : BackgroundService
{
    private readonly TypedTasksConnection _connection;
    private readonly TaskRegistry _registry;
    private readonly RevocationRegistry _revocations;
    private readonly TaskExecutor _executor;
    private readonly TaskIntake _intake;
    private readonly NatsResultBackend _results;
    private readonly Func<string, CancellationTokenSource, ITerminationSignal> _trackRun;
    private readonly ILogger<TaskWorker> _logger;
    private readonly WorkerOptions _options;
    private readonly ConcurrentDictionary<long, HeldMessage> _held = new();
    private readonly Channel<HeldMessage> _pending = Channel.CreateUnbounded<HeldMessage>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly FetchWindow _window;
    private readonly ConcurrentQueue<System.Buffers.ArrayBufferWriter<byte>> _recordBuffers = new();
    private readonly ClusterRateLimiter _limiter;
    private readonly SemaphoreSlim _outcomes;
    private readonly CancellationTokenSource _executionCts = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _queues;
    private readonly IHostApplicationLifetime? _lifetime;
    private long _nextKey;
    private int _running;
    private volatile bool _stopping;

    public TaskWorker(TypedTasksConnection connection, TaskRegistry registry, RevocationRegistry revocations, TaskExecutor executor, NatsResultBackend results, IOptions<WorkerOptions> options, ILogger<TaskWorker> logger, IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _connection = connection;
        _revocations = revocations;
        _registry = registry;
        _executor = executor;
        _results = results;
        _trackRun = revocations.Track;
        _logger = logger;
        // Validated by WorkerOptionsValidator (Hosting): reading Value throws OptionsValidationException on bad settings.
        _options = options.Value;

        _queues = ResolveQueues();
        _intake = new TaskIntake(registry, connection.Names, _options.Intake);
        _limiter = new ClusterRateLimiter(connection, logger);
        _window = new FetchWindow(WindowFor(_options.Prefetch ?? AutoPrefetchStart));
        _outcomes = new SemaphoreSlim(Math.Max(1, _options.MaxPendingOutcomes));
        _activeMessages = new HeldMessage?[_options.Concurrency];
        _activeSince = new long[_options.Concurrency];
    }

    /// <summary>How many tasks are running right now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>How many messages the worker holds (fetched, not yet settled).</summary>
    internal int HeldCount => _held.Count;

    /// <summary>Whether the worker is shutting down (it takes no new tasks).</summary>
    public bool IsStopping => _stopping;

    /// <summary>Completes once the consumers exist and the worker is pulling tasks.</summary>
    public Task Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = _queues;
        var consumers = await StartConsumersAsync(queues, stoppingToken).ConfigureAwait(false);
        if (consumers is null)
        {
            return;
        }

        Log.Started(_logger, _workerId, string.Join(", ", queues), _options.Concurrency, _options.Prefetch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto");
        _connection.Nats.ConnectionOpened += OnConnectionOpenedAsync;
        _connection.Nats.ConnectionDisconnected += OnConnectionDisconnectedAsync;
        using var keepAliveCts = new CancellationTokenSource();
        var keepAlive = Task.Run(() => KeepAliveLoopAsync(keepAliveCts.Token), CancellationToken.None);
        var firstBeat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(firstBeat, keepAliveCts.Token), CancellationToken.None);
        var catalog = Task.Run(() => PublishCatalogAsync(stoppingToken), CancellationToken.None);
        var controlListening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var control = Task.Run(() => ControlLoopAsync(controlListening, stoppingToken), CancellationToken.None);
        var runners = new Task[_options.Concurrency];
        for (var i = 0; i < runners.Length; i++)
        {
            var slot = i;
            runners[i] = Task.Run(() => RunnerLoopAsync(slot), CancellationToken.None);
        }

        // The first task is fetched once the worker is visible — its first heartbeat written (or tried), its task catalog
        // entries (or tried) and remote control listening — so that a worker holds tasks only once operators can see it and
        // its start-up writes do not compete with its first tasks (a drain of 20,000 no-op tasks ran 20-30 % slower with
        // them in its first 0.2 s). But for VisibleWait at most: a JetStream API too busy to answer (each try waits for
        // the request timeout, the catalog up to CatalogTimeout) delays being seen, not the tasks.
        var visible = Task.WhenAll(firstBeat.Task, catalog, controlListening.Task);
        await Task.WhenAny(visible, Task.Delay(VisibleWait, CancellationToken.None)).ConfigureAwait(false);
        var fetchers = new Task[consumers.Count];
        for (var i = 0; i < consumers.Count; i++)
        {
            var (queue, consumer) = consumers[i];
            fetchers[i] = Task.Run(() => FetchLoopAsync(queue, consumer, stoppingToken), CancellationToken.None);
        }

        // Started means visible too, before anyone is told (a stop before then ends the wait: a heartbeat or catalog
        // write the server does not answer ends only at its timeout or at the stop).
        try
        {
            await visible.WaitAsync(stoppingToken).ConfigureAwait(false);
            _started.TrySetResult();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(fetchers).ConfigureAwait(false);

        // Shutdown: no more fetching; hand back what has not started; let running tasks finish within the grace period.
        _stopping = true;
        await _limiter.StopAsync(parked => _pending.Writer.TryWrite(parked)).ConfigureAwait(false);
        _pending.Writer.TryComplete();
        Log.Stopping(_logger, _options.ShutdownGracePeriod, Running);
        var allRunners = Task.WhenAll(runners);
        if (await Task.WhenAny(allRunners, Task.Delay(_options.ShutdownGracePeriod, CancellationToken.None)).ConfigureAwait(false) != allRunners)
        {
            Log.CancellingRunning(_logger);
            _executionCts.Cancel();
            await allRunners.ConfigureAwait(false);
        }

        // Every outcome is stored and acked (or handed back) before the worker reports stopped.
        for (var i = 0; i < Math.Max(1, _options.MaxPendingOutcomes); i++)
        {
            await _outcomes.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _connection.Nats.ConnectionOpened -= OnConnectionOpenedAsync;
        _connection.Nats.ConnectionDisconnected -= OnConnectionDisconnectedAsync;
        keepAliveCts.Cancel();
        await keepAlive.ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
        await control.ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    public override void Dispose()
    {
        _executionCts.Dispose();
        _outcomes.Dispose();
        base.Dispose();
    }

    private List<string> ResolveQueues()
    {
        var queues = _options.Queues.Count > 0
            ? _options.Queues.Distinct(StringComparer.Ordinal).ToList()
            : _registry.All.Select(t => t.Queue).Distinct(StringComparer.Ordinal).OrderBy(q => q, StringComparer.Ordinal).ToList();
        if (queues.Count == 0)
        {
            queues.Add("default");
        }

        foreach (var queue in queues)
        {
            if (!NatsNames.IsValidQueue(queue))
            {
                throw new InvalidOperationException($"The queue name '{queue}' in TypedTasks:Worker:Queues is not valid: use letters, digits, '-' and '_'.");
            }
        }

        return queues;
    }

    /// <summary>Uses the existing consumer when its settings match: updating a consumer on 2.9 resets the
    /// delivery counts of its pending messages, which would make redelivered tasks look like first attempts.</summary>
    private async Task<INatsJSConsumer> GetOrCreateConsumerAsync(ConsumerConfig config, CancellationToken cancellationToken)
    {
        var stream = _connection.Names.TasksStream;
        try
        {
            var existing = await _connection.JetStream.GetConsumerAsync(stream, config.Name!, cancellationToken).ConfigureAwait(false);
            var current = existing.Info.Config;
            if (!_connection.Options.CreateInfrastructure
                || (current.AckWait == config.AckWait && current.FilterSubject == config.FilterSubject && current.MaxAckPending == config.MaxAckPending))
            {
                return existing;
            }
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404 && _connection.Options.CreateInfrastructure)
        {
        }

        return await _connection.JetStream.CreateOrUpdateConsumerAsync(stream, config, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<(string Queue, INatsJSConsumer Consumer)>?> StartConsumersAsync(List<string> queues, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await _connection.EnsureInfrastructureAsync(stoppingToken).ConfigureAwait(false);
                await _revocations.StartAsync(stoppingToken).ConfigureAwait(false);
                var consumers = new List<(string, INatsJSConsumer)>(queues.Count);
                foreach (var queue in queues)
                {
                    var name = _connection.Names.ConsumerName(queue);
                    var config = new ConsumerConfig(name)
                    {
                        DurableName = name,
                        AckPolicy = ConsumerConfigAckPolicy.Explicit,
                        DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                        FilterSubject = _connection.Names.TaskSubject(queue),
                        AckWait = _options.AckWait,
                        MaxAckPending = 10_000,
                    };

                    // Create-or-update, never delete and re-create: a re-created durable consumer can redeliver acked tasks (docs/nats.md, "Re-created consumers").
                    var consumer = await GetOrCreateConsumerAsync(config, stoppingToken).ConfigureAwait(false);
                    consumers.Add((queue, consumer));
                }

                return consumers;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StartupRetry(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }
}
