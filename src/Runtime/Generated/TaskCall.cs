using System.Buffers;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using TypedTasks.Generated;

namespace TypedTasks;

/// <summary>
/// A task with its arguments, not sent: what a periodic schedule sends at each occurrence
/// (<c>builder.AddPeriodic(ReportTasks.GenerateReportTask.Call(2024), "0 0 3 * * *")</c>). Made by the generated
/// <c>Call(…)</c> of each task's proxy, so the arguments are checked by the compiler like <c>DelayAsync</c>'s.
/// </summary>
public sealed class TaskCall
{
    private readonly byte[] _arguments;

    /// <summary>Creates a call. Used by generated code.</summary>
    /// <param name="task">The task.</param>
    /// <param name="arguments">Its arguments.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskCall(TaskDefinition task, ITaskArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(arguments);
        Task = task;
        // Written once, at registration: the same bytes go out at every occurrence.
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            arguments.WriteTo(writer);
        }

        _arguments = buffer.WrittenSpan.ToArray();
    }

    /// <summary>The task.</summary>
    public TaskDefinition Task { get; }

    /// <summary>The arguments as the JSON object of the message body.</summary>
    public ReadOnlyMemory<byte> ArgumentsJson => _arguments;

    /// <inheritdoc/>
    public override string ToString() => Task.Name + " " + Encoding.UTF8.GetString(_arguments);
}
