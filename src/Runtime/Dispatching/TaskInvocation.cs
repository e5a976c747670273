using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TypedTasks.Dispatching;

/// <summary>One execution of a task on a worker, as seen by a generated <see cref="TaskInvoker"/>.</summary>
public sealed class TaskInvocation
{
    private readonly ArrayBufferWriter<byte> _result = new(256);

    /// <summary>Creates an invocation. The worker creates these; tests may too.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="taskName">The task name.</param>
    /// <param name="arguments">The UTF-8 JSON object of named arguments.</param>
    /// <param name="services">The DI scope of this execution.</param>
    /// <param name="cancellationToken">Cancelled when the worker shuts down or the task is cancelled.</param>
    /// <param name="context">The task's view of itself; default: a first attempt on queue <c>default</c>.</param>
    public TaskInvocation(string taskId, string taskName, ReadOnlyMemory<byte> arguments, IServiceProvider services, CancellationToken cancellationToken, TaskContext? context = null)
    {
        Context = context ?? new TaskContext(taskId, taskName, "default", 1, 0);
        TaskId = taskId;
        TaskName = taskName;
        Arguments = arguments;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>The task id.</summary>
    public string TaskId { get; }

    /// <summary>The task name.</summary>
    public string TaskName { get; }

    /// <summary>The UTF-8 JSON object of named arguments.</summary>
    public ReadOnlyMemory<byte> Arguments { get; }

    /// <summary>The task's view of itself: id, attempt, queue, retry. Generated invokers pass it to
    /// <see cref="TaskContext"/> parameters.</summary>
    public TaskContext Context { get; }

    /// <summary>The DI scope of this execution.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the worker shuts down or the task is cancelled.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Whether <see cref="SetResult{T}"/> was called.</summary>
    public bool HasResult { get; private set; }

    /// <summary>The JSON of the result, empty until <see cref="SetResult{T}"/> is called.</summary>
    public ReadOnlyMemory<byte> ResultJson => _result.WrittenMemory;

    /// <summary>Records the task's return value.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="value">The value the method returned.</param>
    /// <param name="typeInfo">Source-generated JSON metadata of <typeparamref name="T"/>.</param>
    public void SetResult<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        _result.Clear();
        using var writer = new Utf8JsonWriter(_result);
        JsonSerializer.Serialize(writer, value, typeInfo);
        HasResult = true;
    }
}
