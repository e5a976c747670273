using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using TypedTasks.Executor;
using TypedTasks.Generated;
using TypedTasks.Protocol;
using TypedTasks.Topology;

namespace TypedTasks.Telemetry;

/// <summary>Publishes task events on core NATS when <see cref="TypedTasksOptions.SendTaskEvents"/> is on; best effort.</summary>
internal static class TaskEventPublisher
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    public static string Subject(TaskEventKind kind) => kind switch
    {
        TaskEventKind.Sent => "sent",
        TaskEventKind.Started => "started",
        TaskEventKind.Succeeded => "succeeded",
        TaskEventKind.Failed => "failed",
        TaskEventKind.Retried => "retried",
        TaskEventKind.Revoked => "revoked",
        _ => "dead_lettered",
    };

    /// <summary>
    /// The <see cref="TaskEventKind.Sent"/> event of a task: with its JSON arguments, at most
    /// <see cref="TypedTasksOptions.TaskEventArgumentBytes"/> bytes of them, cut on a UTF-8 character boundary.
    /// </summary>
    public static TaskEvent Sent(TypedTasksConnection connection, string id, string taskName, string queue, ReadOnlySpan<byte> arguments, DateTimeOffset at, string? worker = null)
    {
        var (text, truncated) = CapArguments(arguments, connection.Options.TaskEventArgumentBytes);
        return new TaskEvent { Kind = TaskEventKind.Sent, Id = id, TaskName = taskName, Queue = queue, Worker = worker, At = at, Arguments = text, ArgumentsTruncated = truncated };
    }

    /// <summary>The first <paramref name="maxBytes"/> bytes of <paramref name="json"/> as text, never splitting a
    /// character; <see langword="null"/> when <paramref name="maxBytes"/> is 0 or less.</summary>
    internal static (string? Text, bool Truncated) CapArguments(ReadOnlySpan<byte> json, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return (null, false);
        }

        if (json.Length <= maxBytes)
        {
            return (Encoding.UTF8.GetString(json), false);
        }

        var cut = maxBytes;
        // Back off to the start of the character the cut would split (a continuation byte is 10xxxxxx).
        while (cut > 0 && (json[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return (Encoding.UTF8.GetString(json[..cut]), true);
    }

    /// <summary>Publishes the event; a lost connection loses the event, never the task.</summary>
    public static async ValueTask PublishAsync(TypedTasksConnection connection, TaskEvent taskEvent)
    {
        try
        {
            ReadOnlyMemory<byte> json = JsonSerializer.SerializeToUtf8Bytes(taskEvent, TaskEventJson.Default.TaskEvent);
            await connection.Nats.PublishAsync(connection.Names.TaskEventsPrefix + Subject(taskEvent.Kind), json, serializer: RawSerializer).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or ObjectDisposedException)
        {
            // Events are at most once by design (ITaskEvents).
        }
    }
}
