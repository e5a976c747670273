using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Topology;

/// <summary>
/// Owns the NATS connection shared by the client and the worker of one process, the JetStream and KV
/// contexts on it, and the one-time creation of streams and buckets.
/// </summary>
internal sealed partial class TypedTasksConnection : IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Task? _infrastructure;
    private Task<INatsKVStore?>? _results;
    private Task<INatsKVStore>? _schedules;
    private Task<INatsKVStore>? _catalog;
    private Task? _chords;

    public TypedTasksConnection(IOptions<TypedTasksOptions> options, ILoggerFactory? loggerFactory = null)
    {
        Options = options.Value;
        Names = new NatsNames(Options.Prefix);
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("TypedTasks.Connection");

        var natsOptions = NatsConnectionOptions.ToNatsOpts(Options, loggerFactory);
        Nats = new NatsConnection(natsOptions);
        ServerErrors = new NatsServerErrors(Nats);
        JetStream = new NatsJSContext(Nats, new NatsJSOpts(natsOptions));
        KeyValue = new NatsKVContext(JetStream);
        InstanceId = Guid.NewGuid().ToString("N");
        ResultsSubject = Names.ResultsSubjectPrefix + InstanceId;
    }

    /// <summary>A lease in the locks bucket (the schedule mover's) lapses this long after its holder's last renewal.</summary>
    internal static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(6);

    public TypedTasksOptions Options { get; }

    public NatsNames Names { get; }

    public NatsConnection Nats { get; }

    public NatsJSContext JetStream { get; }

    public NatsKVContext KeyValue { get; }

    /// <summary>Identifies this process's connection; waiting producers get results on <see cref="ResultsSubject"/>.</summary>
    public string InstanceId { get; }

    public string ResultsSubject { get; }

    /// <summary>
    /// Whether tasks due later wait as native schedule messages (nats-server 2.12+) rather than in the schedule stream.
    /// Known once <see cref="EnsureInfrastructureAsync"/> has completed.
    /// </summary>
    public bool NativeScheduling { get; private set; }

    /// <summary>The stream where tasks due later wait: the delayed stream (native) or the schedule stream.</summary>
    public string WaitingStream => NativeScheduling ? Names.DelayedStream : Names.ScheduleStream;

    /// <summary>Creates the streams and the result bucket once per process (idempotent on the server).</summary>
    public Task EnsureInfrastructureAsync(CancellationToken cancellationToken)
        => Done(ref _infrastructure) ?? StartInfrastructure(cancellationToken);

    // The slow paths apart, so that the per-call path allocates no closure (it is on every send and every record write).
    private Task StartInfrastructure(CancellationToken cancellationToken)
        => Once(ref _infrastructure, () => CreateInfrastructureGuardedAsync(cancellationToken));

    /// <summary>The result bucket, or <see langword="null"/> when the result backend is off.</summary>
    public Task<INatsKVStore?> GetResultStoreAsync(CancellationToken cancellationToken)
        => Done(ref _results) ?? StartResultStore(cancellationToken);

    private Task<INatsKVStore?> StartResultStore(CancellationToken cancellationToken)
        => Once(ref _results, () => OpenResultStoreAsync(cancellationToken));

    /// <summary>
    /// The schedules bucket, created on first use (by the periodic scheduler of a worker with schedules, not at every
    /// start-up, so that roles without periodic tasks need no right to it).
    /// </summary>
    public Task<INatsKVStore> GetSchedulesStoreAsync(CancellationToken cancellationToken)
        => Once(ref _schedules, () => OpenSchedulesStoreAsync(cancellationToken));

    private async Task<INatsKVStore> OpenSchedulesStoreAsync(CancellationToken cancellationToken)
    {
        if (Options.CreateInfrastructure)
        {
            // No MaxAge: a schedule's last occurrence must outlive any outage. History 1: writers compare-and-set.
            await CreateBucketAsync(Names.SchedulesBucket, TimeSpan.Zero, "TypedTasks periodic schedules (key = schedule name): definition and last occurrence sent", cancellationToken).ConfigureAwait(false);
        }

        return await KeyValue.GetStoreAsync(Names.SchedulesBucket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The task catalog bucket for a worker to write, created on first use (by a worker publishing its tasks, not at every
    /// start-up, so that a role without the right to it only misses the catalog: the worker logs it and runs on).
    /// </summary>
    public Task<INatsKVStore> GetCatalogStoreAsync(CancellationToken cancellationToken)
        => Once(ref _catalog, () => OpenCatalogStoreAsync(cancellationToken));

    private async Task<INatsKVStore> OpenCatalogStoreAsync(CancellationToken cancellationToken)
    {
        if (Options.CreateInfrastructure)
        {
            // No MaxAge: an entry stays while no worker serves the task (a deploy may stop them all). History 1: a reader
            // wants the latest; values bounded, as every reader bounds what it takes.
            var broker = Options.Broker;
            await KeyValue.CreateOrUpdateStoreAsync(
                new NatsKVConfig(Names.CatalogBucket)
                {
                    History = 1,
                    MaxValueSize = TaskCatalogEntry.MaxBytes,
                    NumberOfReplicas = broker.Replicas,
                    Storage = BucketStorage(broker.Storage),
                    Description = "TypedTasks task catalog (key = task name, or = and a hash): name, queue, arguments, options",
                },
                cancellationToken).ConfigureAwait(false);
        }

        return await KeyValue.GetStoreAsync(Names.CatalogBucket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The chords stream, created on first use (by a client sending a chord, and by the worker that stores a member's marker),
    /// not at every start-up: deployments without chords never see it. Limits retention: markers live until the member
    /// that completes the chord purges them, or the result bucket's expiry passes.
    /// </summary>
    public Task EnsureChordsStreamAsync(CancellationToken cancellationToken)
        => Done(ref _chords) ?? Once(ref _chords, () => CreateChordsStreamAsync(cancellationToken));

    private async Task CreateChordsStreamAsync(CancellationToken cancellationToken)
    {
        await EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        if (!Options.CreateInfrastructure)
        {
            return;
        }

        var broker = Options.Broker;
        var maxAge = Options.ResultBackend.Expiry > TimeSpan.Zero ? Options.ResultBackend.Expiry : TimeSpan.Zero;
        var chords = new StreamConfig(Names.ChordsStream, [Names.ChordWildcard])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamStorage(broker.Storage),
            NumReplicas = broker.Replicas,
            Discard = StreamConfigDiscard.New,
            MaxAge = maxAge,
            // The window may not exceed MaxAge.
            DuplicateWindow = maxAge > TimeSpan.Zero && maxAge < broker.DuplicateWindow ? maxAge : broker.DuplicateWindow,
        };
        await JetStream.CreateOrUpdateStreamAsync(chords, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A set-up step that has completed, or null.</summary>
    private static TTask? Done<TTask>(ref TTask? slot)
        where TTask : Task
        => Volatile.Read(ref slot) is { IsCompletedSuccessfully: true } task ? task : null;

    /// <summary>Starts a set-up step once and shares it; one that failed or was cancelled starts again on the next call.</summary>
    private TTask Once<TTask>(ref TTask? slot, Func<TTask> start)
        where TTask : Task
    {
        var task = Volatile.Read(ref slot);
        if (task is { IsCompletedSuccessfully: true })
        {
            return task;
        }

        lock (_gate)
        {
            if (slot is null || slot.IsFaulted || slot.IsCanceled)
            {
                slot = start();
            }

            return slot;
        }
    }

    private async Task CreateInfrastructureAsync(CancellationToken cancellationToken)
    {
        NativeScheduling = await ServerSchedulesAsync(cancellationToken).ConfigureAwait(false);
        if (!Options.CreateInfrastructure)
        {
            return;
        }

        var broker = Options.Broker;
        var tasks = new StreamConfig(Names.TasksStream, [Names.TasksWildcard])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamStorage(broker.Storage),
            NumReplicas = broker.Replicas,
            // A full queue must fail the sender, never drop the oldest tasks (docs/nats.md, "A full stream").
            Discard = StreamConfigDiscard.New,
            MaxMsgs = broker.MaxMessages,
            MaxBytes = broker.MaxBytes,
            DuplicateWindow = broker.DuplicateWindow,
        };
        await JetStream.CreateOrUpdateStreamAsync(tasks, cancellationToken).ConfigureAwait(false);

        var dead = new StreamConfig(Names.DeadStream, [Names.DeadWildcard])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamStorage(broker.Storage),
            NumReplicas = broker.Replicas,
            Discard = StreamConfigDiscard.New,
            // The dead-letter API reads single messages by sequence to requeue them.
            AllowDirect = true,
        };
        await JetStream.CreateOrUpdateStreamAsync(dead, cancellationToken).ConfigureAwait(false);

        if (NativeScheduling)
        {
            NativeScheduling = await CreateDelayedStreamAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!NativeScheduling)
        {
            var schedule = new StreamConfig(Names.ScheduleStream, [Names.ScheduleWildcard])
            {
                Retention = StreamConfigRetention.Limits,
                Storage = StreamStorage(broker.Storage),
                NumReplicas = broker.Replicas,
                Discard = StreamConfigDiscard.New,
                DuplicateWindow = broker.DuplicateWindow,
                // The schedule mover reads due messages by sequence.
                AllowDirect = true,
            };
            await JetStream.CreateOrUpdateStreamAsync(schedule, cancellationToken).ConfigureAwait(false);
        }

        // Small buckets every worker uses; stored like the task stream.
        await CreateBucketAsync(Names.RevokedBucket, Options.RevocationExpiry, "TypedTasks revoked task ids (watched by every worker)", cancellationToken).ConfigureAwait(false);
        // A lease lapses this long after its holder's last renewal.
        await CreateBucketAsync(Names.LocksBucket, TypedTasksConnection.LeaseTime, "TypedTasks leases (the schedule mover)", cancellationToken).ConfigureAwait(false);
        // Worker heartbeats; a crashed worker's last one stays an hour, reported as lost.
        await CreateBucketAsync(Names.WorkersBucket, TimeSpan.FromHours(1), "TypedTasks worker heartbeats (key = worker id)", cancellationToken).ConfigureAwait(false);
        // Counters of fixed windows of up to an hour; older windows expire.
        await CreateBucketAsync(Names.LimitsBucket, TimeSpan.FromHours(2), "TypedTasks rate-limit counters (task type and window)", cancellationToken).ConfigureAwait(false);

        if (Options.ResultBackend.Enabled)
        {
            var results = Options.ResultBackend;
            await KeyValue.CreateOrUpdateStoreAsync(
                new NatsKVConfig(Names.ResultsBucket)
                {
                    MaxAge = results.Expiry,
                    History = 1,
                    NumberOfReplicas = results.Replicas,
                    Storage = BucketStorage(results.Storage),
                    Description = "TypedTasks result records (key = task id)",
                },
                cancellationToken).ConfigureAwait(false);
        }

        Log.InfrastructureReady(_logger, Names.TasksStream, Names.DeadStream, Options.ResultBackend.Enabled ? Names.ResultsBucket : "(none)");
    }

    /// <summary>
    /// Creates or updates the history stream when this process sends task events; best effort, as the events are: a user
    /// that may not create it (an older server configuration) or a server that refuses it logs a warning and nothing more.
    /// </summary>
    private async Task CreateHistoryStreamAsync(CancellationToken cancellationToken)
    {
        if (!Options.CreateInfrastructure || !Options.SendTaskEvents || !Options.TaskHistory.Enabled)
        {
            return;
        }

        try
        {
            await ServerErrors.GuardAsync(
                NatsServerErrors.IsJetStreamApiOrInbox,
                token => JetStream.CreateOrUpdateStreamAsync(HistoryStreamConfig(), token).AsTask(),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.HistoryNotCreated(_logger, Names.HistoryStream, ex.Message);
        }
    }

    /// <summary>
    /// The history stream (docs/protocol.md §7c): the task events on their own subjects, kept by count, age and bytes with
    /// the oldest dropped first — a history, not a queue, so a full stream never refuses an event. Direct gets on.
    /// </summary>
    internal StreamConfig HistoryStreamConfig()
    {
        var history = Options.TaskHistory;
        return new StreamConfig(Names.HistoryStream, [Names.TaskEventsWildcard])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamStorage(Options.Broker.Storage),
            NumReplicas = Options.Broker.Replicas,
            Discard = StreamConfigDiscard.Old,
            MaxMsgs = history.MaxMessages,
            MaxAge = history.MaxAge,
            MaxBytes = history.MaxBytes,
            // One event is small; a bigger message on these subjects is not an event of ours.
            MaxMsgSize = MaxEventBytes,
            AllowDirect = true,
            Description = $"TypedTasks task history: the last task events ({Names.TaskEventsWildcard}), for the dashboard",
        };
    }

    /// <summary>The largest message the history stream keeps (an event with a full stack trace stays well under it).</summary>
    internal const int MaxEventBytes = 64 * 1024;

    /// <summary>Whether a stream exists (another process, or an earlier version, may have created it).</summary>
    public async Task<bool> StreamExistsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await JetStream.GetStreamAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return false;
        }
    }

    /// <summary>Decides from the option and the server's version whether to use native scheduled delivery.</summary>
    private async Task<bool> ServerSchedulesAsync(CancellationToken cancellationToken)
    {
        var mode = Options.Broker.Scheduling;
        if (mode == ScheduledDelivery.ScheduleStream)
        {
            return false;
        }

        await Nats.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        var version = Nats.ServerInfo?.Version;
        if (TaskSchedule.ServerSchedules(version))
        {
            return true;
        }

        if (mode == ScheduledDelivery.Native)
        {
            throw new TypedTasksException(
                $"TypedTasks:Broker:Scheduling is Native, but the NATS server at {Redaction.Url(Options.Url)} is nats-server {version ?? "(unknown version)"}; "
                + "scheduled delivery needs nats-server 2.12.1 or later. Upgrade the server, or set Scheduling to Auto or ScheduleStream.");
        }

        return false;
    }

    /// <summary>
    /// Creates the delayed stream for native schedules. Returns false (Auto falls back to the schedule stream) when the
    /// stream's server did not take <c>allow_msg_schedules</c>, as an older server in a mixed cluster would not.
    /// </summary>
    private async Task<bool> CreateDelayedStreamAsync(CancellationToken cancellationToken)
    {
        var broker = Options.Broker;
        var delayed = new StreamConfig(Names.DelayedStream, [Names.DelayedWildcard])
        {
            // A due task is removed when a worker has forwarded it to its queue.
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamStorage(broker.Storage),
            NumReplicas = broker.Replicas,
            // Scheduling refuses DiscardNew (nats-server 2.12.x and later); with no limits set on this stream nothing
            // is ever discarded, and a server out of storage still refuses the publish.
            Discard = StreamConfigDiscard.Old,
            DuplicateWindow = broker.DuplicateWindow,
            AllowMsgSchedules = true,
        };
        var stream = await JetStream.CreateOrUpdateStreamAsync(delayed, cancellationToken).ConfigureAwait(false);
        if (stream.Info.Config.AllowMsgSchedules)
        {
            return true;
        }

        if (Options.Broker.Scheduling == ScheduledDelivery.Native)
        {
            throw new TypedTasksException(
                $"TypedTasks:Broker:Scheduling is Native, but stream {Names.DelayedStream} was created without message schedules: "
                + "is every server of the cluster nats-server 2.12.1 or later? Set Scheduling to Auto or ScheduleStream meanwhile.");
        }

        Log.NativeSchedulingRefused(_logger, Names.DelayedStream);
        return false;
    }

    private static StreamConfigStorage StreamStorage(StorageType storage)
        => storage == StorageType.Memory ? StreamConfigStorage.Memory : StreamConfigStorage.File;

    private static NatsKVStorageType BucketStorage(StorageType storage)
        => storage == StorageType.Memory ? NatsKVStorageType.Memory : NatsKVStorageType.File;

    private async Task CreateBucketAsync(string name, TimeSpan maxAge, string description, CancellationToken cancellationToken)
    {
        var broker = Options.Broker;
        await KeyValue.CreateOrUpdateStoreAsync(
            new NatsKVConfig(name)
            {
                MaxAge = maxAge,
                History = 1,
                NumberOfReplicas = broker.Replicas,
                Storage = BucketStorage(broker.Storage),
                Description = description,
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<INatsKVStore?> OpenResultStoreAsync(CancellationToken cancellationToken)
    {
        if (!Options.ResultBackend.Enabled)
        {
            return null;
        }

        await EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        return await KeyValue.GetStoreAsync(Names.ResultsBucket, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => Nats.DisposeAsync();

    // A host disposed synchronously must not throw for an async-only singleton.
    public void Dispose() => Nats.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "JetStream ready: stream {TasksStream}, dead letters {DeadStream}, results {ResultsBucket}")]
        public static partial void InfrastructureReady(ILogger logger, string tasksStream, string deadStream, string resultsBucket);

        [LoggerMessage(2, LogLevel.Warning, "Stream {Stream} was created without message schedules (a server older than 2.12 in the cluster?): tasks due later use the schedule stream")]
        public static partial void NativeSchedulingRefused(ILogger logger, string stream);

        [LoggerMessage(3, LogLevel.Warning, "The task history stream {Stream} could not be created or updated ({Reason}); task events are sent, but not kept. Grant this user $JS.API.STREAM.CREATE/UPDATE/INFO on it (docs/security.md), or set TypedTasks:TaskHistory:Enabled=false")]
        public static partial void HistoryNotCreated(ILogger logger, string stream, string reason);
    }
}
