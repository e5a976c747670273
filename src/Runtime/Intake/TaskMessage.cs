namespace TypedTasks.Intake;

/// <summary>
/// A delivered task message that passed the intake: every header the worker acts on is present where required, well
/// formed and within bounds, the task is known, and the body is one JSON object within the limits.
/// </summary>
/// <param name="Id">The task id (a valid KV key and subject token).</param>
/// <param name="Task">The task to run.</param>
/// <param name="Attempt">The attempt (1 = first).</param>
/// <param name="MaxRetries">The retries allowed (the message's <c>TT-Max-Retries</c> or the task's own).</param>
/// <param name="Expires">When the task stops being worth running.</param>
/// <param name="RecordRevision">The revision of the producer's PENDING record.</param>
/// <param name="Reply">A results subject to notify; only the shape the protocol defines, never anything else.</param>
internal readonly record struct TaskMessage(string Id, TaskDefinition Task, int Attempt, int MaxRetries, DateTimeOffset? Expires, ulong? RecordRevision, string? Reply);

/// <summary>What the intake says of a message: a task to run, or why it is refused.</summary>
internal readonly struct IntakeVerdict
{
    private IntakeVerdict(TaskMessage message, string? rejection, string? usableId, string? taskName, Type? errorType)
    {
        Message = message;
        Rejection = rejection;
        UsableId = usableId;
        TaskName = taskName;
        ErrorType = errorType;
    }

    /// <summary>The task to run, when <see cref="Rejection"/> is null.</summary>
    public TaskMessage Message { get; }

    /// <summary>Why the message is refused (bounded, printable), or null when it is accepted.</summary>
    public string? Rejection { get; }

    /// <summary>For a refused message: its id when that id is valid (so a FAILURE record can be stored), else null.</summary>
    public string? UsableId { get; }

    /// <summary>The task name as sent (bounded), for logs and records; null when missing.</summary>
    public string? TaskName { get; }

    /// <summary>The exception type a FAILURE record names.</summary>
    public Type? ErrorType { get; }

    public static IntakeVerdict Accept(TaskMessage message) => new(message, null, message.Id, message.Task.Name, null);

    public static IntakeVerdict Refuse(string reason, string? usableId, string? taskName, Type? errorType = null)
        => new(default, reason, usableId, taskName, errorType ?? typeof(TypedTasksException));
}
