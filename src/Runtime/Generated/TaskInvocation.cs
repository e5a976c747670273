using System.Buffers;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TypedTasks.Generated;

/// <summary>One execution of a task on a worker, as seen by a generated <see cref="TaskInvoker"/>. Plumbing for generated
/// code and its tests.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskInvocation
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private ReadOnlyMemory<byte> _resultJson;

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
    public ReadOnlyMemory<byte> ResultJson => _resultJson;

    /// <summary>Records the task's return value.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="value">The value the method returned.</param>
    /// <param name="typeInfo">Source-generated JSON metadata of <typeparamref name="T"/>.</param>
    public void SetResult<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        // Serialized with a buffer and writer cached per thread; the invocation keeps an exact-size copy (the worker
        // stores it after the slot is free, possibly on another thread).
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        t_buffer = null;
        t_writer = null;
        try
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            JsonSerializer.Serialize(writer, value, typeInfo);
            writer.Flush();
            _resultJson = buffer.WrittenSpan.ToArray();
            HasResult = true;
        }
        finally
        {
            // Not kept when it grew for an unusually large result.
            if (buffer.Capacity <= 64 * 1024)
            {
                t_buffer = buffer;
                t_writer = writer;
            }
        }
    }
}
