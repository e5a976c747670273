namespace TypedTasks;

/// <summary>A worker's last heartbeat. A worker that stops cleanly removes it.</summary>
public sealed record WorkerInfo
{
    /// <summary>The worker's id (<c>host-pid-random</c>), unique per start.</summary>
    public required string Id { get; init; }

    /// <summary>The machine name.</summary>
    public required string Host { get; init; }

    /// <summary>The process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>The TypedTasks version of the worker.</summary>
    public string? Version { get; init; }

    /// <summary>The queues it serves.</summary>
    public IReadOnlyList<string> Queues { get; init; } = [];

    /// <summary>Its slots (<see cref="WorkerOptions.Concurrency"/>).</summary>
    public int Concurrency { get; init; }

    /// <summary>Runs finished since it started, of which <see cref="Failed"/> ended in FAILURE.</summary>
    public long Processed { get; init; }

    /// <summary>Runs that ended in FAILURE since it started.</summary>
    public long Failed { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When it wrote this heartbeat.</summary>
    public DateTimeOffset HeartbeatAt { get; init; }

    /// <summary>How often it writes one.</summary>
    public TimeSpan HeartbeatInterval { get; init; }

    /// <summary>How many of its slots ran a task at the heartbeat (also when <see cref="Active"/> is left out, as in a ping
    /// answer without <see cref="RemoteControlOptions.IncludeRunningTasks"/>).</summary>
    public int Busy { get; init; }

    /// <summary>The tasks running at the heartbeat. Empty in a ping answer unless the worker has
    /// <see cref="RemoteControlOptions.IncludeRunningTasks"/> on (see <see cref="Busy"/>).</summary>
    public IReadOnlyList<ActiveTaskInfo> Active { get; init; } = [];

    /// <summary>Runs finished per minute over the last hour, oldest first; minutes without any are left out (empty from
    /// workers older than this field).</summary>
    public IReadOnlyList<WorkerMinute> LastHour { get; init; } = [];

    /// <summary>Whether the worker stops when asked remotely (<see cref="IWorkerInspector.ShutdownAsync"/>, <c>tt shutdown</c>):
    /// its <see cref="RemoteControlOptions.Enabled"/> and <see cref="RemoteControlOptions.AllowShutdown"/> are both on.
    /// <see langword="false"/> from workers older than this field, which may still allow it: they answer.</summary>
    public bool AllowsShutdown { get; init; }

    /// <summary>Whether the worker was heard from within three heartbeat intervals of <paramref name="now"/>.</summary>
    /// <param name="now">The time to judge at.</param>
    /// <returns>True when the worker is considered up.</returns>
    public bool IsAliveAt(DateTimeOffset now) => now - HeartbeatAt <= 3 * HeartbeatInterval;
}

/// <summary>A minute of a worker's last hour (<see cref="WorkerInfo.LastHour"/>).</summary>
/// <param name="Minute">The minute's start (UTC).</param>
/// <param name="Processed">Runs that finished in it.</param>
/// <param name="Failed">Of those, the ones that ended in FAILURE.</param>
public sealed record WorkerMinute(DateTimeOffset Minute, long Processed, long Failed);

/// <summary>A task running on a worker at its heartbeat.</summary>
/// <param name="Id">The task id.</param>
/// <param name="TaskName">The task name.</param>
/// <param name="Attempt">The attempt (1 for the first run).</param>
/// <param name="StartedAt">When this run started.</param>
public sealed record ActiveTaskInfo(string Id, string TaskName, int Attempt, DateTimeOffset StartedAt);
