using System.Text.Json.Serialization.Metadata;
using TypedTasks.Dispatching;

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
    public TaskInvoker Invoker { get; }

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
    public TaskDefinition(string name, TaskInvoker invoker, JsonTypeInfo<TResult> resultTypeInfo)
        : base(name, invoker)
    {
        ArgumentNullException.ThrowIfNull(resultTypeInfo);
        ResultTypeInfo = resultTypeInfo;
    }

    /// <summary>Source-generated JSON metadata of the result type.</summary>
    public JsonTypeInfo<TResult> ResultTypeInfo { get; }
}
