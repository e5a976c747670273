namespace TypedTasks;

/// <summary>Options for one call of <c>ApplyAsync</c>. Unset values fall back to the task's <see cref="TaskAttribute"/>.</summary>
public sealed record TaskOptions
{
    /// <summary>The task id. Defaults to a new unique id. Sending twice with the same id within the
    /// broker's duplicate window (2 minutes) enqueues the task once. Letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string? TaskId { get; init; }

    /// <summary>Sends the task to this queue instead of the task's default queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Run the task no earlier than this long from now (Celery's <c>countdown</c>). The task waits in the
    /// broker's schedule, not in a worker.</summary>
    public TimeSpan? Countdown { get; init; }

    /// <summary>Run the task no earlier than this time (Celery's <c>eta</c>). <see cref="Countdown"/> wins if both are set.</summary>
    public DateTimeOffset? Eta { get; init; }

    /// <summary>Do not run the task after this time: it becomes REVOKED (expired) (Celery's <c>expires</c>).</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>Overrides the task's <see cref="TaskAttribute.MaxRetries"/> for this call.</summary>
    public int? MaxRetries { get; init; }
}
