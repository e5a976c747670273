using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

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
    /// The least time between two progress writes (<c>WorkerOptions.ProgressInterval</c>); set by the worker.
    /// Zero writes every report.
    /// </summary>
    internal TimeSpan ProgressInterval { get; set; }

    // Flags rather than a lock: no allocation per task on the worker's path; a race costs at most one extra write.
    private long _lastProgressWrite;
    private int _trailingWriteDue;
    private int _progressEnded;

    /// <summary>
    /// Reports how far the task is, for status pages (Celery's <c>update_state(state="PROGRESS", meta=…)</c>): the
    /// record stays <see cref="TaskState.Started"/> and carries the progress. Report as often as you like: the worker
    /// writes at most one progress record per <see cref="WorkerOptions.ProgressInterval"/> (1 s by default), and the
    /// last report of an interval is written when it ends, so a tight loop cannot flood the result store and the last
    /// word is never lost while the task runs.
    /// </summary>
    /// <param name="fraction">How much is done, from 0 to 1.</param>
    /// <param name="note">A short note for people, e.g. "page 3 of 10".</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the progress is stored, or at once when it will be written later.</returns>
    public ValueTask ReportProgressAsync(double fraction, string? note = null, CancellationToken cancellationToken = default)
    {
        CheckFraction(fraction);
        return ReportAsync(new TaskProgress(fraction, note), cancellationToken);
    }

    /// <summary>
    /// Reports how far the task is with a progress record of the task's own (rows imported, the current stage, …), as
    /// well as the fraction for a progress bar. Readers get it back typed with <see cref="TaskProgress.ReadData{TProgress}"/>
    /// (a handle's <c>GetRecordAsync</c>, the dashboard shows it as JSON). Throttled as
    /// <see cref="ReportProgressAsync(double, string?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TProgress">The progress record's type.</typeparam>
    /// <param name="fraction">How much is done, from 0 to 1.</param>
    /// <param name="data">The progress record; at most <see cref="TaskProgress.MaxDataBytes"/> as JSON.</param>
    /// <param name="typeInfo">Its source-generated JSON metadata (e.g. <c>MyJsonContext.Default.ImportProgress</c>).</param>
    /// <param name="note">A short note for people.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the progress is stored, or at once when it will be written later.</returns>
    /// <exception cref="ArgumentException">The record is larger than <see cref="TaskProgress.MaxDataBytes"/> as JSON.</exception>
    public ValueTask ReportProgressAsync<TProgress>(double fraction, TProgress data, JsonTypeInfo<TProgress> typeInfo, string? note = null, CancellationToken cancellationToken = default)
    {
        CheckFraction(fraction);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var json = JsonSerializer.SerializeToUtf8Bytes(data, typeInfo);
        if (json.Length > TaskProgress.MaxDataBytes)
        {
            throw new ArgumentException($"The progress record of task '{TaskName}' takes {json.Length} bytes as JSON, more than {TaskProgress.MaxDataBytes}: report a summary (counts, the current stage), not the work itself.", nameof(data));
        }

        return ReportAsync(new TaskProgress(fraction, note) { Data = json }, cancellationToken);
    }

    /// <summary>The last trailing progress write scheduled (tests wait on it); never faults.</summary>
    internal Task? TrailingProgressWrite { get; private set; }

    /// <summary>The run is over: a trailing progress write still due is dropped (the outcome's record follows).</summary>
    internal void EndProgress() => Volatile.Write(ref _progressEnded, 1);

    private static void CheckFraction(double fraction)
    {
        if (double.IsNaN(fraction) || fraction < 0 || fraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Progress is a fraction from 0 to 1.");
        }
    }

    private ValueTask ReportAsync(TaskProgress progress, CancellationToken cancellationToken)
    {
        Progress = progress;
        if (ProgressSink is not { } sink || Volatile.Read(ref _progressEnded) != 0)
        {
            return default;
        }

        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastProgressWrite);
        if (last != 0 && Stopwatch.GetElapsedTime(last, now) is var since && since < ProgressInterval)
        {
            // Within the interval: the latest report waits, and one write carries it when the interval ends.
            if (Interlocked.CompareExchange(ref _trailingWriteDue, 1, 0) == 0)
            {
                TrailingProgressWrite = WriteTrailingAsync(sink, ProgressInterval - since);
            }

            return default;
        }

        Interlocked.Exchange(ref _lastProgressWrite, now);
        return sink(this, progress, cancellationToken);
    }

    private async Task WriteTrailingAsync(Func<TaskContext, TaskProgress, CancellationToken, ValueTask> sink, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        Volatile.Write(ref _trailingWriteDue, 0);
        if (Volatile.Read(ref _progressEnded) != 0 || Progress is not { } latest)
        {
            return;
        }

        Interlocked.Exchange(ref _lastProgressWrite, Stopwatch.GetTimestamp());

        try
        {
            await sink(this, latest, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nobody awaits a trailing write: a failed one is dropped, and the next report writes again.
        }
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
public sealed record TaskProgress(double Fraction, string? Note)
{
    /// <summary>The largest progress record a task may report, as JSON: 16 KB.</summary>
    public const int MaxDataBytes = 16 * 1024;

    /// <summary>
    /// The task's own progress record as UTF-8 JSON (<see cref="TaskContext.ReportProgressAsync{TProgress}"/>); empty when
    /// it reported only a fraction and a note. Read it with <see cref="ReadData{TProgress}"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The task's own progress record as <typeparamref name="TProgress"/>, or <see langword="default"/> when it
    /// reported none.</summary>
    /// <typeparam name="TProgress">The type the task reported.</typeparam>
    /// <param name="typeInfo">Its source-generated JSON metadata (e.g. <c>MyJsonContext.Default.ImportProgress</c>).</param>
    /// <returns>The record, or <see langword="default"/>.</returns>
    /// <exception cref="JsonException">The stored JSON is not a <typeparamref name="TProgress"/>.</exception>
    public TProgress? ReadData<TProgress>(JsonTypeInfo<TProgress> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Data.IsEmpty ? default : JsonSerializer.Deserialize(Data.Span, typeInfo);
    }
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
