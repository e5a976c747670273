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
