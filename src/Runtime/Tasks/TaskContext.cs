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

    /// <summary>The last progress the task reported, if any.</summary>
    public TaskProgress? Progress { get; private set; }

    /// <summary>Stores progress where the worker keeps it; set by the worker (one delegate per worker, not per task).</summary>
    internal Func<TaskContext, TaskProgress, CancellationToken, ValueTask>? ProgressSink { get; set; }

    /// <summary>The revision of the task's record as the run last wrote it (progress replaces it by compare-and-set).</summary>
    internal ulong? RecordRevision { get; set; }

    /// <summary>Earlier runs of this attempt, as the run's records say.</summary>
    internal int Reruns { get; set; }

    /// <summary>When the run started, as the run's records say.</summary>
    internal DateTimeOffset StartedAt { get; set; }

    /// <summary>
    /// Reports how far the task is, for status pages (Celery's <c>update_state(state="PROGRESS", meta=…)</c>): the
    /// record stays <see cref="TaskState.Started"/> and carries the progress. Costs one result-store write; report
    /// every few seconds, not every item.
    /// </summary>
    /// <param name="fraction">How much is done, from 0 to 1.</param>
    /// <param name="note">A short note for people, e.g. "page 3 of 10".</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the progress is stored.</returns>
    public ValueTask ReportProgressAsync(double fraction, string? note = null, CancellationToken cancellationToken = default)
    {
        if (double.IsNaN(fraction) || fraction < 0 || fraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Progress is a fraction from 0 to 1.");
        }

        Progress = new TaskProgress(fraction, note);
        return ProgressSink?.Invoke(this, Progress, cancellationToken) ?? default;
    }

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

/// <summary>How far a running task is.</summary>
/// <param name="Fraction">How much is done, from 0 to 1.</param>
/// <param name="Note">A short note for people.</param>
public sealed record TaskProgress(double Fraction, string? Note);

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
