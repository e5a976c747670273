namespace TypedTasks;

/// <summary>
/// Bounds on what a worker accepts from the wire (<c>TypedTasks:Worker:Intake</c>). A message past a bound is never run: it
/// is dead-lettered once, with a reason and a (possibly truncated) copy of itself.
/// </summary>
public sealed class IntakeOptions
{
    /// <summary>The largest message body (the JSON of the arguments) a worker runs. Default 1 MiB, the server's default max payload.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The most header bytes (names and values) a task message may carry. Default 16 KiB.</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>How deeply the arguments' JSON may nest. Default 64, System.Text.Json's default.</summary>
    public int MaxJsonDepth { get; set; } = 64;
}
