namespace TypedTasks;

/// <summary>The state of a task as the result backend knows it. Names and meaning follow Celery.</summary>
public enum TaskState
{
    /// <summary>
    /// Waiting in a queue, or not known. A PENDING record is stored when the task is sent with
    /// <c>TypedTasks:ResultBackend:RecordPending</c>, and again when a worker hands a task back on a graceful shutdown
    /// (it waits in the queue for the next worker). Without a record the state is PENDING too: the task is queued
    /// (without <c>RecordPending</c>), unknown, expired, or ignores its result.
    /// </summary>
    Pending = 0,

    /// <summary>A worker received the task. Celery's state; TypedTasks workers do not store it (they store
    /// <see cref="Started"/> or an outcome), but read it from other writers of the protocol.</summary>
    Received = 1,

    /// <summary>
    /// A worker is running the task. Stored before the run when the task has <see cref="TaskAttribute.TrackStarted"/>,
    /// when a worker runs a redelivered task (its earlier worker died, hung or lost its connection; the record counts the
    /// runs), and whenever the task reports progress (<see cref="TaskContext.ReportProgressAsync"/>). Otherwise a task
    /// goes from PENDING straight to its outcome.
    /// </summary>
    Started = 2,

    /// <summary>The task failed and waits for another attempt.</summary>
    Retry = 3,

    /// <summary>The task ran to completion; its result is stored. Final.</summary>
    Success = 4,

    /// <summary>The task failed for good; the error is stored. Final.</summary>
    Failure = 5,

    /// <summary>The task was revoked or expired before it ran. Final.</summary>
    Revoked = 6,
}

/// <summary>Helpers for <see cref="TaskState"/>.</summary>
public static class TaskStateExtensions
{
    /// <summary>Whether the state is final: <see cref="TaskState.Success"/>, <see cref="TaskState.Failure"/> or <see cref="TaskState.Revoked"/>.</summary>
    public static bool IsFinal(this TaskState state) => state is TaskState.Success or TaskState.Failure or TaskState.Revoked;

    /// <summary>The Celery spelling of the state, as on the wire: <c>PENDING</c>, <c>SUCCESS</c>, ….</summary>
    public static string ToWireName(this TaskState state) => state switch
    {
        TaskState.Pending => "PENDING",
        TaskState.Received => "RECEIVED",
        TaskState.Started => "STARTED",
        TaskState.Retry => "RETRY",
        TaskState.Success => "SUCCESS",
        TaskState.Failure => "FAILURE",
        TaskState.Revoked => "REVOKED",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
