namespace TypedTasks;

/// <summary>
/// The names under which TypedTasks reports traces and metrics, for OpenTelemetry (<c>AddSource</c>/<c>AddMeter</c>
/// with <see cref="SourceName"/>) or any <see cref="System.Diagnostics.ActivityListener"/> and
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>. Nothing is recorded unless something listens.
/// </summary>
/// <remarks>
/// Traces: a <c>send {task}</c> span (producer) around each send, whose W3C trace context travels in the message's
/// <c>traceparent</c>/<c>tracestate</c> headers, and a <c>process {task}</c> span (consumer) around each run on a worker,
/// its child, so a web request, the tasks it sent and whatever they call form one trace; retries and scheduled tasks keep
/// the context. Attributes follow OpenTelemetry's messaging conventions (<c>messaging.system</c> = <c>nats</c>,
/// <c>messaging.destination.name</c>, <c>messaging.message.id</c> = the task id) plus <c>typedtasks.task.*</c>.
/// See <c>docs/observability.md</c>.
/// </remarks>
public static class TypedTasksTelemetry
{
    /// <summary>The name of TypedTasks' <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string SourceName = "TypedTasks";

    /// <summary>Counter of tasks stored by the broker (<c>{task}</c>), by <c>typedtasks.task.name</c> and <c>messaging.destination.name</c> (the queue).</summary>
    public const string SentCounter = "typedtasks.task.sent";

    /// <summary>
    /// Counter of finished runs (<c>{run}</c>), by <c>typedtasks.task.name</c> and <c>typedtasks.task.state</c>
    /// (<c>SUCCESS</c>, <c>FAILURE</c>, <c>RETRY</c>, <c>REVOKED</c>, <c>DEAD_LETTER</c>).
    /// </summary>
    public const string RunsCounter = "typedtasks.task.runs";

    /// <summary>Counter of messages a worker terminated because they could not be settled (stored, acked or
    /// dead-lettered) after a bounded number of deliveries, by <c>messaging.destination.name</c>.</summary>
    public const string GiveUpsCounter = "typedtasks.message.given_up";

    /// <summary>Counter of acknowledged messages removed from the task stream below a queue consumer's ack floor, where
    /// nats-server 2.9.x can leave them after a crash (<c>{message}</c>), by <c>messaging.destination.name</c>.</summary>
    public const string LeftoversRemovedCounter = "typedtasks.queue.leftovers_removed";

    /// <summary>Histogram of run durations in seconds, by <c>typedtasks.task.name</c> and <c>typedtasks.task.state</c>.</summary>
    public const string DurationHistogram = "typedtasks.task.duration";
}
