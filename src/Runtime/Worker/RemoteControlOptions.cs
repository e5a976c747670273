namespace TypedTasks;

/// <summary>
/// Remote control of a worker (Celery's <c>control</c>; <c>TypedTasks:Worker:RemoteControl</c>): requests on core NATS
/// <c>&lt;prefix&gt;.control.&lt;worker id&gt;</c> and <c>&lt;prefix&gt;.control.all</c>, sent by
/// <see cref="IWorkerInspector.PingAsync"/>, <see cref="IWorkerInspector.ShutdownAsync"/>, <c>tt ping</c> and
/// <c>tt shutdown</c>. Who may send them is decided by NATS publish permissions on those subjects (give them to the
/// operator role only, <c>docs/security.md</c>); these settings decide what a worker does for whoever can.
/// </summary>
/// <remarks>
/// A worker answers only requests whose reply subject is an inbox (its first token <c>_INBOX</c> or <c>_INBOX_…</c>, as
/// NATS clients make them): a reply subject is data, never a place the worker can be made to publish to. Anything else
/// (no reply subject, another subject, an unknown command, any body) is logged once and ignored; the worker runs on.
/// </remarks>
public sealed class RemoteControlOptions
{
    /// <summary>Whether the worker listens at all. With it, the worker answers <c>ping</c> with its state (see
    /// <see cref="IncludeRunningTasks"/>). Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether a <c>shutdown</c> request on this worker's own subject (<c>&lt;prefix&gt;.control.&lt;worker id&gt;</c>)
    /// stops it gracefully, as SIGTERM does. Default <see langword="false"/>: the worker answers that remote shutdown is
    /// off and how to turn it on, and keeps running (<see cref="IWorkerInspector.ShutdownAsync"/> throws
    /// <see cref="RemoteControlRefusedException"/>). A <c>shutdown</c> sent to <c>&lt;prefix&gt;.control.all</c> is
    /// always refused: one message never stops every worker.
    /// </summary>
    public bool AllowShutdown { get; set; }

    /// <summary>
    /// Whether <c>ping</c> answers list the tasks running now (ids, names, attempts). Default <see langword="false"/>:
    /// a ping tells the worker's id (host name and process id are part of it), version, queues, slots, how many are
    /// busy and its counts, but no task id. The heartbeat in the workers bucket keeps the running tasks for
    /// <see cref="IWorkerInspector.ListAsync"/> and <c>tt workers</c>: who may read that bucket is a NATS read permission.
    /// </summary>
    public bool IncludeRunningTasks { get; set; }
}
