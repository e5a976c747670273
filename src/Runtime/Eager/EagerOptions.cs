namespace TypedTasks;

/// <summary>Settings of eager mode (<c>RunTasksEagerly</c>).</summary>
public sealed class EagerOptions
{
    /// <summary>
    /// Whether a task's final exception is rethrown from <c>DelayAsync</c>/<c>ApplyAsync</c> (Celery's
    /// <c>task_eager_propagates</c>). Default false: the exception is stored, and <c>GetAsync</c> throws
    /// <see cref="TaskFailedException"/> as it would with a worker.
    /// </summary>
    public bool PropagateExceptions { get; set; }
}
