namespace TypedTasks;

/// <summary>Options for one call of <c>ApplyAsync</c>. Unset values fall back to the task's <see cref="TaskAttribute"/>.</summary>
public sealed record TaskOptions
{
    /// <summary>The task id. Defaults to a new unique id. Sending twice with the same id within the
    /// broker's duplicate window (2 minutes) enqueues the task once. Letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string? TaskId { get; init; }

    /// <summary>Sends the task to this queue instead of the task's default queue.</summary>
    public string? Queue { get; init; }
}
