namespace TypedTasks;

/// <summary>
/// Marks a method of a <c>partial</c> type as a task: work that a worker runs later.
/// The TypedTasks generator adds a typed proxy (<c>DelayAsync</c>, <c>ApplyAsync</c>, <c>GetHandle</c>)
/// and an entry in the dispatcher table for every method marked with it.
/// </summary>
/// <remarks>
/// The method may be static or an instance method (the instance comes from a DI scope created for each
/// execution), synchronous or asynchronous (<c>void</c>, <c>T</c>, <c>Task</c>, <c>Task&lt;T&gt;</c>,
/// <c>ValueTask</c>, <c>ValueTask&lt;T&gt;</c>). <see cref="System.Threading.CancellationToken"/> parameters
/// receive the worker's token; parameters marked <see cref="FromServicesAttribute"/> come from DI; all other
/// parameters are the task's arguments and travel as JSON.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>
    /// The task's name on the wire. Defaults to the namespace, containing type(s) and method name joined
    /// by dots, e.g. <c>MyApp.Reports.ReportTasks.GenerateReport</c>. Set it to keep queued messages valid
    /// when you rename or move the method.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The queue the task is sent to unless a call overrides it. Defaults to <c>default</c>.
    /// Queue names use letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string? Queue { get; set; }

    /// <summary>When <see langword="true"/>, the worker stores no result record for this task
    /// (Celery's <c>ignore_result</c>); its handle's status stays <see cref="TaskState.Pending"/>.</summary>
    public bool IgnoreResult { get; set; }

    /// <summary>When <see langword="true"/>, the worker records <see cref="TaskState.Started"/> before
    /// running the task (Celery's <c>track_started</c>). Costs one extra result-store write per task.</summary>
    public bool TrackStarted { get; set; }

    /// <summary>How many times a failed task is retried (Celery's <c>max_retries</c>). Default 3; 0 never retries.
    /// Retries happen for exceptions in <see cref="AutoRetryFor"/> and when the task calls <see cref="TaskContext.Retry"/>.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The delay before a retry when neither backoff nor the task gives one, as a <see cref="TimeSpan"/>
    /// string (<c>"00:03:00"</c>). Default 3 minutes (Celery's <c>default_retry_delay</c>).</summary>
    public string? DefaultRetryDelay { get; set; }

    /// <summary>Exponential backoff between automatic retries (Celery's <c>retry_backoff</c>): the n-th retry waits
    /// <see cref="RetryBackoffBase"/> × 2^(n-1), capped at <see cref="RetryBackoffMax"/>.</summary>
    public bool RetryBackoff { get; set; }

    /// <summary>The first backoff delay, as a <see cref="TimeSpan"/> string. Default <c>"00:00:01"</c>.</summary>
    public string? RetryBackoffBase { get; set; }

    /// <summary>The longest backoff delay, as a <see cref="TimeSpan"/> string. Default <c>"00:10:00"</c> (Celery's <c>retry_backoff_max</c>).</summary>
    public string? RetryBackoffMax { get; set; }

    /// <summary>Full jitter: the backoff delay is drawn uniformly from [0, delay] (Celery's <c>retry_jitter</c>). Default <see langword="true"/>.</summary>
    public bool RetryJitter { get; set; } = true;

    /// <summary>Exception types that trigger an automatic retry (Celery's <c>autoretry_for</c>), e.g.
    /// <c>AutoRetryFor = [typeof(HttpRequestException)]</c>. Derived types match too.</summary>
    public Type[]? AutoRetryFor { get; set; }

    /// <summary>After this long the task's <see cref="System.Threading.CancellationToken"/> is cancelled (Celery's
    /// <c>soft_time_limit</c>), as a <see cref="TimeSpan"/> string.</summary>
    public string? SoftTimeLimit { get; set; }

    /// <summary>After this long the worker gives up on the task: FAILURE with <see cref="TaskTimeLimitExceededException"/>,
    /// and the slot is freed (Celery's <c>time_limit</c>), as a <see cref="TimeSpan"/> string.</summary>
    public string? TimeLimit { get; set; }

    /// <summary>A task that reaches a worker later than this after it was sent is not run: REVOKED (expired).
    /// A <see cref="TimeSpan"/> string; a call's <see cref="TaskOptions.Expires"/> overrides it.</summary>
    public string? Expires { get; set; }

    /// <summary>At most this many starts of this task per second, minute or hour, across all workers of the
    /// cluster: <c>"10/s"</c>, <c>"100/m"</c>, <c>"1000/h"</c> (Celery's <c>rate_limit</c>, which is per worker).
    /// Tasks over the limit wait in the worker's window, not in a slot; give rate-limited tasks their own queue
    /// so that they do not fill the window of workers that also serve other tasks.</summary>
    public string? RateLimit { get; set; }
}
