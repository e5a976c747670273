using TypedTasks.Protocol;

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
/// <param name="Reply">A results subject to notify (only the shape the protocol defines, never anything else) and the
/// producer's token to echo.</param>
/// <param name="Chain">For a step of a chain: the plan (<c>TT-Chain</c>), checked against every bound.</param>
/// <param name="Chord">For a member of a chord: the plan (<c>TT-Chord</c>), checked against every bound.</param>
internal readonly record struct TaskMessage(string Id, TaskDefinition Task, int Attempt, int MaxRetries, DateTimeOffset? Expires, ulong? RecordRevision, string? Reply, ChainPlan? Chain = null, ChordPlan? Chord = null);

/// <summary>What the intake says of a message: a task to run, or why it is refused.</summary>
internal readonly struct IntakeVerdict
{
    private IntakeVerdict(TaskMessage message, string? rejection, string? usableId, string? taskName, Type? errorType, ChainPlan? chain = null, ChordPlan? chord = null)
    {
        Chain = chain;
        Chord = chord;
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

    /// <summary>For a refused step of a chain whose plan was readable: the plan, so that the chain is ended with the step.</summary>
    public ChainPlan? Chain { get; }

    /// <summary>For a refused member of a chord whose plan was readable: the plan, so that the chord fails with the member.</summary>
    public ChordPlan? Chord { get; }

    public static IntakeVerdict Accept(TaskMessage message) => new(message, null, message.Id, message.Task.Name, null);

    public static IntakeVerdict Refuse(string reason, string? usableId, string? taskName, Type? errorType = null, ChainPlan? chain = null, ChordPlan? chord = null)
        => new(default, reason, usableId, taskName, errorType ?? typeof(TypedTasksException), chain, chord);
}
