using System.Text.Json.Serialization;

namespace TypedTasks;

/// <summary>What happened to a task.</summary>
public enum TaskEventKind
{
    /// <summary>A client's send was stored by the broker.</summary>
    Sent,

    /// <summary>A worker started a run.</summary>
    Started,

    /// <summary>A run returned.</summary>
    Succeeded,

    /// <summary>A run threw and no retry is left.</summary>
    Failed,

    /// <summary>A run threw and another attempt is scheduled.</summary>
    Retried,

    /// <summary>The task was revoked or expired, or terminated while it ran.</summary>
    Revoked,

    /// <summary>The message could not be run (unknown task, bad arguments, newer protocol) and went to the dead letters.</summary>
    DeadLettered,
}

/// <summary>One task event (<c>docs/protocol.md</c>, section 7b).</summary>
public sealed record TaskEvent
{
    /// <summary>What happened.</summary>
    public required TaskEventKind Kind { get; init; }

    /// <summary>The task id.</summary>
    public required string Id { get; init; }

    /// <summary>The task name.</summary>
    public required string TaskName { get; init; }

    /// <summary>The queue.</summary>
    public string? Queue { get; init; }

    /// <summary>The attempt (1 for the first run); absent for <see cref="TaskEventKind.Sent"/>.</summary>
    public int? Attempt { get; init; }

    /// <summary>The worker (its <see cref="WorkerInfo.Id"/>); absent for <see cref="TaskEventKind.Sent"/>.</summary>
    public string? Worker { get; init; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>For the end of a run: how long it ran.</summary>
    public TimeSpan? Runtime { get; init; }

    /// <summary>For <see cref="TaskEventKind.Failed"/>, <see cref="TaskEventKind.Retried"/>, <see cref="TaskEventKind.Revoked"/> and <see cref="TaskEventKind.DeadLettered"/>: why.</summary>
    public TaskError? Error { get; init; }

    /// <summary>For <see cref="TaskEventKind.Retried"/>: when the next attempt may start.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>
    /// For <see cref="TaskEventKind.Sent"/>: the task's arguments as the JSON text that was sent, at most
    /// <see cref="TypedTasksOptions.TaskEventArgumentBytes"/> UTF-8 bytes of it (<c>docs/protocol.md</c>, section 7b).
    /// Absent when that option is 0 or for other kinds. When <see cref="ArgumentsTruncated"/> is set, it is the first
    /// bytes only (cut on a character boundary) and no longer JSON.
    /// </summary>
    public string? Arguments { get; init; }

    /// <summary>Whether <see cref="Arguments"/> was cut at <see cref="TypedTasksOptions.TaskEventArgumentBytes"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ArgumentsTruncated { get; init; }
}
