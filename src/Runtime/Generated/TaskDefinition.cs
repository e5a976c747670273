using System.ComponentModel;
using System.Text.Json.Serialization.Metadata;
using TypedTasks.Generated;

namespace TypedTasks;

/// <summary>
/// What the runtime knows about one task: its name, default queue and how to invoke it.
/// The generator creates one instance per <see cref="TaskAttribute"/> method; user code rarely needs it.
/// </summary>
public class TaskDefinition
{
    /// <summary>Creates a definition. Used by generated code.</summary>
    /// <param name="name">The task's name on the wire.</param>
    /// <param name="invoker">Decodes the arguments and calls the method on a worker.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskDefinition(string name, TaskInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(invoker);
        Name = name;
        Invoker = invoker;
    }

    /// <summary>The task's name on the wire.</summary>
    public string Name { get; }

    /// <summary>The queue the task is sent to by default.</summary>
    public string Queue { get; init; } = "default";

    /// <summary>Whether workers skip storing the outcome.</summary>
    public bool IgnoreResult { get; init; }

    /// <summary>Whether workers record <see cref="TaskState.Started"/> before running the task.</summary>
    public bool TrackStarted { get; init; }

    /// <summary>Decodes the arguments and calls the method on a worker.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskInvoker Invoker { get; }

    /// <summary>How many times a failed task is retried. Default 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The delay before a retry when neither backoff nor the task gives one. Default 3 minutes.</summary>
    public TimeSpan DefaultRetryDelay { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Exponential backoff between automatic retries.</summary>
    public bool RetryBackoff { get; init; }

    /// <summary>The first backoff delay. Default 1 second.</summary>
    public TimeSpan RetryBackoffBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff delay. Default 10 minutes.</summary>
    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Full jitter on backoff delays. Default <see langword="true"/>.</summary>
    public bool RetryJitter { get; init; } = true;

    /// <summary>Which exceptions trigger an automatic retry; <see langword="null"/> for none. The generator emits
    /// a type test (<c>ex is HttpRequestException</c>), so no reflection is involved.</summary>
    public Func<Exception, bool>? AutoRetryFor { get; init; }

    /// <summary>After this long the task's cancellation token is cancelled.</summary>
    public TimeSpan? SoftTimeLimit { get; init; }

    /// <summary>After this long the worker abandons the task with <see cref="TaskTimeLimitExceededException"/>.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>How long after sending the task may still start; older tasks are REVOKED (expired).</summary>
    public TimeSpan? Expires { get; init; }

    /// <summary>At most this many starts per interval across all workers; <see langword="null"/> for no limit.</summary>
    public RateLimit? RateLimit { get; init; }

    /// <summary>The task's arguments as the wire carries them, in parameter order; <see langword="null"/> for a definition
    /// written by hand without them. Generated definitions always have them; workers publish them in the task catalog.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IReadOnlyList<TaskArgumentInfo>? Arguments { get; init; }

    /// <summary>The .NET type of the method's result as C# writes it, for display; <see langword="null"/> for none (or not given).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public string? ResultTypeName { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A <see cref="TaskDefinition"/> for a task that returns a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The task's result type.</typeparam>
public sealed class TaskDefinition<TResult> : TaskDefinition
{
    /// <summary>Creates a definition. Used by generated code.</summary>
    /// <param name="name">The task's name on the wire.</param>
    /// <param name="invoker">Decodes the arguments and calls the method on a worker.</param>
    /// <param name="resultTypeInfo">Source-generated JSON metadata of the result type.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskDefinition(string name, TaskInvoker invoker, JsonTypeInfo<TResult> resultTypeInfo)
        : base(name, invoker)
    {
        ArgumentNullException.ThrowIfNull(resultTypeInfo);
        ResultTypeInfo = resultTypeInfo;
    }

    /// <summary>Source-generated JSON metadata of the result type.</summary>
    public JsonTypeInfo<TResult> ResultTypeInfo { get; }
}
