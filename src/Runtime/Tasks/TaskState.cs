namespace TypedTasks;

/// <summary>The state of a task as the result backend knows it. Names and meaning follow Celery.</summary>
public enum TaskState
{
    /// <summary>The backend has no record: the task is queued, unknown, expired, or ignores its result.</summary>
    Pending = 0,

    /// <summary>A worker received the task.</summary>
    Received = 1,

    /// <summary>A worker started running the task (recorded only when <see cref="TaskAttribute.TrackStarted"/> is set).</summary>
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
