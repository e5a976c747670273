namespace TypedTasks;

/// <summary>Settings of the worker, bound from the <c>TypedTasks:Worker</c> configuration section.</summary>
public sealed class WorkerOptions
{
    /// <summary>How many tasks run at once. Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>How many tasks the worker holds beyond the running ones, fetched ahead (Celery's prefetch).
    /// Default: auto — about as many as the slots finish in 100 ms, between the concurrency (long tasks: do not
    /// hoard what other workers could start) and 256 (short tasks: do not wait a pull round trip per task).
    /// Set it to fix the number, e.g. 1 for long tasks on many workers. Held tasks are kept alive by progress acks.</summary>
    public int? Prefetch { get; set; }

    /// <summary>The queues served. Default: every queue of the registered tasks.</summary>
    public IList<string> Queues { get; set; } = new List<string>();

    /// <summary>How long the broker waits for a sign of life before it hands a task to another worker.
    /// Running and held tasks are kept alive by progress acks every third of it, so only a dead or stuck
    /// worker loses its tasks. Default 3 s.</summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>On shutdown, how long running tasks may finish before they are cancelled and handed back. Default 20 s.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many times a task may be delivered without an outcome (its worker died or hung each time) before it is
    /// dead-lettered with reason "worker lost" instead of being run again. A graceful hand-back on shutdown does not
    /// count. Default 5.</summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>How many outcomes may be in flight to the result backend at once. Default 256.</summary>
    public int MaxPendingOutcomes { get; set; } = 256;

    /// <summary>
    /// Whether a first delivery reads the task's record (while it waits for a slot) so that a task whose final record
    /// exists is acked without running again: a second message with an id already used, published after the stream's
    /// duplicate window or under another message id, or a redelivery that nats-server 2.9 reports as the first. Default
    /// <see langword="true"/>. It costs one result-bucket read per task (docs/reliability.md quotes the bench); turn it
    /// off only where every producer sends each id once. Redeliveries are checked either way, except one the server
    /// reports as a first delivery.
    /// </summary>
    public bool CheckRecordBeforeRun { get; set; } = true;

    /// <summary>Bounds on what this worker accepts from the wire (<c>TypedTasks:Worker:Intake</c>).</summary>
    public IntakeOptions Intake { get; set; } = new();

    /// <summary>
    /// How often the worker writes its state (queues, slots, running tasks, counts) to the workers bucket, where
    /// <see cref="IWorkerInspector"/> reads it; a worker silent for three intervals is reported lost. Default 5 s;
    /// <see cref="TimeSpan.Zero"/> turns heartbeats off.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between two progress writes of one task (<see cref="TaskContext.ReportProgressAsync(double, string?, CancellationToken)"/>):
    /// reports in between only keep the latest, which is written when the interval ends. Default 1 s;
    /// <see cref="TimeSpan.Zero"/> writes every report (one result-store write each).
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Remote control (<c>TypedTasks:Worker:RemoteControl</c>), as Celery's: the worker answers <c>ping</c> on
    /// <c>tt.control.&lt;worker id&gt;</c> and <c>tt.control.all</c> (<see cref="IWorkerInspector.PingAsync"/>,
    /// <c>tt ping</c>); a graceful <c>shutdown</c> on its own subject only when
    /// <see cref="RemoteControlOptions.AllowShutdown"/> is on (off by default). Who may send is NATS's publish permissions
    /// on those subjects (docs/security.md).
    /// </summary>
    public RemoteControlOptions RemoteControl { get; set; } = new();

    /// <summary>
    /// How much of a task's exception goes into its result record and its task events (<c>TypedTasks:Worker:ErrorDetails</c>):
    /// by default records keep type, message and stack trace, events type and message. The worker's log keeps the full
    /// exception whatever is set.
    /// </summary>
    public ErrorDetailsOptions ErrorDetails { get; set; } = new();

    /// <summary>
    /// How often the worker looks for acknowledged messages that nats-server 2.9.x can leave in the task stream below
    /// a queue's ack floor after a crash, and removes them (every queue of the prefix, not only this worker's; a log
    /// line says how many, from which queue). It also looks once its consumers are in place, and after each reconnect
    /// and a minute later. Harmless on servers without the problem: one request per queue. Default 5 minutes;
    /// <see cref="TimeSpan.Zero"/> turns it off (<c>tt queues --sweep</c> does it by hand).
    /// </summary>
    public TimeSpan LeftoverSweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether this worker runs the periodic scheduler for the schedules registered in its process (<c>[Periodic]</c>,
    /// <c>AddPeriodic</c>). Every worker may run it: each occurrence is still sent exactly once (docs/periodic.md).
    /// Default <see langword="true"/>; a process without schedules runs none either way.
    /// </summary>
    public bool RunPeriodicSchedules { get; set; } = true;
}
