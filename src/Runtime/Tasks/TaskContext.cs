namespace TypedTasks;

/// <summary>
/// The running task as it sees itself (Celery's <c>self.request</c> and <c>self.retry</c>): its id, attempt and
/// queue, and a way to ask for a retry. Declare a parameter of this type on a <c>[Task]</c> method (it is not
/// part of the proxy's signature), or inject it into the constructor of an instance task's type.
/// </summary>
public sealed class TaskContext
{
    /// <summary>Creates a context. The worker creates these; unit tests may too.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="taskName">The task name.</param>
    /// <param name="queue">The queue the task came from.</param>
    /// <param name="attempt">The attempt, 1 for the first run.</param>
    /// <param name="maxRetries">How many retries the task may have in all.</param>
    public TaskContext(string id, string taskName, string queue, int attempt, int maxRetries)
    {
        Id = id;
        TaskName = taskName;
        Queue = queue;
        Attempt = attempt;
        MaxRetries = maxRetries;
    }

    /// <summary>The task id.</summary>
    public string Id { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>The queue the task came from.</summary>
    public string Queue { get; }

    /// <summary>The attempt, 1 for the first run, 2 for the first retry….</summary>
    public int Attempt { get; }

    /// <summary>How many retries came before this attempt (Celery's <c>request.retries</c>).</summary>
    public int Retries => Attempt - 1;

    /// <summary>How many retries the task may have in all.</summary>
    public int MaxRetries { get; }

    /// <summary>
    /// Ends this attempt and schedules another (Celery's <c>self.retry(countdown=…, exc=…)</c>). Throws
    /// <see cref="TaskRetryException"/>; let it propagate. Past <see cref="MaxRetries"/>, the task fails with
    /// <paramref name="cause"/> (or the retry exception when there is none).
    /// </summary>
    /// <param name="countdown">The delay before the next attempt; default: the task's retry policy.</param>
    /// <param name="cause">The error that made the retry necessary, stored with the RETRY state.</param>
    /// <returns>Never returns; the return type lets you write <c>throw context.Retry(…)</c>.</returns>
    /// <exception cref="TaskRetryException">Always.</exception>
    public TaskRetryException Retry(TimeSpan? countdown = null, Exception? cause = null)
        => throw new TaskRetryException(countdown, cause);
}

/// <summary>Thrown by <see cref="TaskContext.Retry"/> to end an attempt and schedule another.</summary>
public sealed class TaskRetryException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="countdown">The delay before the next attempt, or <see langword="null"/> for the task's policy.</param>
    /// <param name="cause">The error behind the retry.</param>
    public TaskRetryException(TimeSpan? countdown, Exception? cause)
        : base(cause is null ? "The task asked to be retried." : "The task asked to be retried: " + cause.Message, cause)
    {
        Countdown = countdown;
    }

    /// <summary>The delay before the next attempt, or <see langword="null"/> for the task's policy.</summary>
    public TimeSpan? Countdown { get; }
}

/// <summary>The task ran longer than its <see cref="TaskAttribute.TimeLimit"/> and was abandoned.</summary>
public sealed class TaskTimeLimitExceededException : TypedTasksException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="limit">The time limit.</param>
    public TaskTimeLimitExceededException(TimeSpan limit)
        : base($"The task ran longer than its time limit of {limit} and was abandoned. Raise [Task(TimeLimit = …)] or make the task honour its CancellationToken (SoftTimeLimit).")
    {
        Limit = limit;
    }

    /// <summary>The time limit.</summary>
    public TimeSpan Limit { get; }
}
