using NATS.Client.Core;

namespace TypedTasks;

/// <summary>
/// Settings shared by clients and workers, bound from the <c>TypedTasks</c> configuration section.
/// </summary>
public sealed class TypedTasksOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "TypedTasks";

    /// <summary>The NATS server URL, or several separated by commas. Default <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The prefix of every stream, subject and bucket name. Default <c>tt</c>: stream <c>TT_TASKS</c>,
    /// subjects <c>tt.tasks.&lt;queue&gt;</c>, bucket <c>TT_RESULTS</c>. Letters, digits and <c>_</c>.</summary>
    public string Prefix { get; set; } = "tt";

    /// <summary>The connection name shown in the server's monitoring. Default: the entry assembly's name.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>Credentials: user and password, token, NKey seed file, creds file, or JWT and seed (<c>TypedTasks:Auth</c>;
    /// <c>docs/security.md</c>). A <c>NatsAuthOpts</c> can be assigned in code. Never logged.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>TLS: mode, CA file, client certificate and key (<c>TypedTasks:Tls</c>). A <c>NatsTlsOpts</c> can be
    /// assigned in code.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>The prefix of this connection's reply subjects. Default <c>_INBOX</c>; give each role its own (e.g.
    /// <c>_INBOX_worker</c>) so that the server can let it read only its own replies (<c>docs/security.md</c>).</summary>
    public string InboxPrefix { get; set; } = "_INBOX";

    /// <summary>A last hook over the NATS.Net options built from the settings above.</summary>
    public Func<NatsOpts, NatsOpts>? ConfigureNats { get; set; }

    /// <summary>Create streams, consumers and buckets at start-up when they are missing (idempotent).
    /// Turn off on servers where the application has no permission to manage JetStream; then create them
    /// ahead as <c>docs/protocol.md</c> describes. Default <see langword="true"/>.</summary>
    public bool CreateInfrastructure { get; set; } = true;

    /// <summary>How long to wait for the broker to acknowledge a sent task. Default 10 s.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long revocations are remembered (the revocation bucket's MaxAge): a revoked task that reaches
    /// a worker later than this runs. Default 1 day.</summary>
    public TimeSpan RevocationExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Whether clients and workers publish task events (sent, started, succeeded, failed, retried, revoked, dead-lettered)
    /// on core NATS <c>tt.events.task.&lt;kind&gt;</c> for <see cref="ITaskEvents"/> (Celery's <c>-E</c> and
    /// <c>task_send_sent_event</c>). One small publish per event; the server keeps the last ones in the history stream
    /// (<see cref="TaskHistory"/>). Default <see langword="false"/>.
    /// </summary>
    public bool SendTaskEvents { get; set; }

    /// <summary>
    /// How many bytes of a task's JSON arguments its <see cref="TaskEventKind.Sent"/> event carries
    /// (<see cref="TaskEvent.Arguments"/>; longer arguments are cut and marked <see cref="TaskEvent.ArgumentsTruncated"/>),
    /// for the dashboard's task page. 0 to 65,536; 0 keeps arguments out of events. Whoever may read task events or the
    /// history stream sees them (<c>docs/security.md</c>). Only with <see cref="SendTaskEvents"/> on. Default 1,024.
    /// </summary>
    public int TaskEventArgumentBytes { get; set; } = 1024;

    /// <summary>
    /// The task history (<c>TT_HISTORY</c>): a stream that keeps the last task events, for the dashboard's recent tasks
    /// and a task's state history. Created with the other streams by processes that create infrastructure and have
    /// <see cref="SendTaskEvents"/> on (the workers, in docs/security.md's roles).
    /// </summary>
    public TaskHistoryOptions TaskHistory { get; set; } = new();

    /// <summary>The task stream: storage, replicas and limits.</summary>
    public BrokerOptions Broker { get; set; } = new();

    /// <summary>The result backend.</summary>
    public ResultBackendOptions ResultBackend { get; set; } = new();
}

/// <summary>Settings of the task stream (the broker).</summary>
public sealed class BrokerOptions
{
    /// <summary>File (default; survives restarts) or memory storage, for the task streams and the small buckets.</summary>
    public StorageType Storage { get; set; } = StorageType.File;

    /// <summary>Stream replicas on a cluster (1 or 3). Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>The most tasks the stream holds; past it, sending fails (never drops). Default unlimited (-1).</summary>
    public long MaxMessages { get; set; } = -1;

    /// <summary>The most bytes the stream holds; past it, sending fails (never drops). Default unlimited (-1).</summary>
    public long MaxBytes { get; set; } = -1;

    /// <summary>How long the broker remembers task ids to drop duplicate sends. Default 2 minutes.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How tasks due later (countdown, ETA, retries) wait: <see cref="ScheduledDelivery.Auto"/> (default) uses the
    /// server's own scheduled delivery on nats-server 2.12.1 and later, and the schedule stream before that.
    /// </summary>
    public ScheduledDelivery Scheduling { get; set; } = ScheduledDelivery.Auto;
}

/// <summary>How tasks due later wait until they are due (<c>docs/lifecycle.md</c>, "Countdown and ETA").</summary>
public enum ScheduledDelivery
{
    /// <summary><see cref="Native"/> when the server is nats-server 2.12.1 or later, else <see cref="ScheduleStream"/>.</summary>
    Auto,

    /// <summary>
    /// The server's scheduled delivery (<c>Nats-Schedule</c>, nats-server 2.12.1+): the task waits as a schedule message in
    /// the delayed stream, the server releases it when due, and a worker forwards it to its queue. Starting against an
    /// older server fails with an explanation.
    /// </summary>
    Native,

    /// <summary>The schedule stream and one elected mover; works on every server from 2.9 on.</summary>
    ScheduleStream,
}

/// <summary>
/// Limits of the task history stream (<c>TT_HISTORY</c>, docs/dashboard.md "Task history"): the task events of
/// <c>tt.events.task.*</c> as published, the oldest dropped when a limit is reached. Whichever limit is reached first
/// applies. Every process that creates the stream should have the same settings (the last one to start applies its own).
/// </summary>
public sealed class TaskHistoryOptions
{
    /// <summary>Create the history stream along with the other streams when <see cref="TypedTasksOptions.SendTaskEvents"/>
    /// is on. Default <see langword="true"/>. Off, this process creates none; the stream is not deleted.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most events kept, 1,000 to 100,000,000. Default 100,000 (a few events per task: about 30,000 tasks).</summary>
    public long MaxMessages { get; set; } = 100_000;

    /// <summary>How long an event is kept, 1 minute or more. Default 7 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most bytes kept, 1 MiB or more, or -1 for no limit but the others. Default 256 MiB (an event without a
    /// stack trace is 200 to 600 bytes).</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>Settings of the result backend (a NATS KV bucket).</summary>
public sealed class ResultBackendOptions
{
    /// <summary>Store task states and results. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Write a PENDING record when a task is sent, so that "queued, not started" (a PENDING record) and "unknown id"
    /// (no record) can be told apart — Celery's PENDING means both. Costs one result-store write per send, before
    /// the send returns; the worker replaces the record with one compare-and-set. Default <see langword="false"/>.
    /// </summary>
    public bool RecordPending { get; set; }

    /// <summary>
    /// Write a workflow's record when it is sent: a chain's (its steps' names, for <c>tt status</c> and its final record)
    /// and a group's, chord's or batch's (its member count) under the workflow's id. The workers write every other record
    /// of a workflow. Turn it off for a sender that may not write results — the <c>producer</c> role of
    /// docs/security/nats-server.conf —: its workflows run the same, without those records (a chain's final record then
    /// names no steps, and <c>tt status</c> of a group id finds nothing). Default <see langword="true"/>.
    /// </summary>
    public bool RecordWorkflows { get; set; } = true;

    /// <summary>
    /// Take every result notification (a message under this process's <c>tt.results.&lt;instance&gt;</c>) as the result, even
    /// one that did not arrive on the subject with the random token this process sent with the task. Notifications on the
    /// task's own subject are taken as the result anyway, so this only saves the store read after a notification on
    /// another one. Turn it on only where NATS permissions let nobody but workers publish on <c>tt.results.&gt;</c>
    /// (docs/security.md). Default <see langword="false"/>: such a notification only wakes the wait, and what it returns
    /// comes from the store.
    /// </summary>
    public bool TrustNotifications { get; set; }

    /// <summary>How long results are kept (the bucket's MaxAge). Default 1 day.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Bucket replicas on a cluster. Default 1.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>File (default) or memory storage for the bucket.</summary>
    public StorageType Storage { get; set; } = StorageType.File;
}

/// <summary>Where the server keeps a stream or bucket (<see cref="BrokerOptions.Storage"/>, <see cref="ResultBackendOptions.Storage"/>).</summary>
public enum StorageType
{
    /// <summary>On disk: survives a server restart.</summary>
    File,

    /// <summary>In memory: faster, lost when the server stops.</summary>
    Memory,
}
