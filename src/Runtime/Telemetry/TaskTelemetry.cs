using System.Diagnostics;
using System.Diagnostics.Metrics;
using NATS.Client.Core;

namespace TypedTasks.Telemetry;

/// <summary>The ActivitySource, Meter and instruments behind <see cref="TypedTasksTelemetry"/>, and the header propagation.</summary>
internal static class TaskTelemetry
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    private static readonly string? Version = typeof(TaskTelemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource Source = new(TypedTasksTelemetry.SourceName, Version);

    private static readonly Meter Meter = new(TypedTasksTelemetry.SourceName, Version);

    private static readonly Counter<long> Sent = Meter.CreateCounter<long>(TypedTasksTelemetry.SentCounter, "{task}", "Tasks stored by the broker");

    private static readonly Counter<long> GiveUps = Meter.CreateCounter<long>(TypedTasksTelemetry.GiveUpsCounter, "{message}", "Messages terminated because they could not be settled");

    private static readonly Counter<long> LeftoversRemoved = Meter.CreateCounter<long>(TypedTasksTelemetry.LeftoversRemovedCounter, "{message}", "Acknowledged messages removed from below a queue consumer's ack floor");

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(TypedTasksTelemetry.RunsCounter, "{run}", "Finished runs of tasks, by final state of the run");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(TypedTasksTelemetry.DurationHistogram, "s", "How long runs of tasks took");

    /// <summary>Whether anyone listens to TypedTasks' spans.</summary>
    public static bool Tracing => Source.HasListeners();

    /// <summary>Starts the producer span of a send (null when nobody listens).</summary>
    public static Activity? StartSend(string taskName, string queue, string id)
    {
        if (!Source.HasListeners())
        {
            // Nobody traces: not even the span's name is built.
            return null;
        }

        var activity = Source.StartActivity("send " + taskName, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "nats");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("messaging.message.id", id);
            activity.SetTag("typedtasks.task.name", taskName);
        }

        return activity;
    }

    /// <summary>Puts the current trace context (the send span, or the caller's own activity) into the message headers.</summary>
    public static void Inject(NatsHeaders headers)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current)
        {
            return;
        }

        headers[TraceParentHeader] = current.Id;
        if (current.TraceStateString is { Length: > 0 } state)
        {
            headers[TraceStateHeader] = state;
        }
    }

    /// <summary>Marks a span failed; returns false, for use as an exception filter that lets the exception pass.</summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return false;
    }

    public static void RecordLeftoversRemoved(string queue, int count)
    {
        if (count > 0)
        {
            LeftoversRemoved.Add(count, new KeyValuePair<string, object?>("messaging.destination.name", queue));
        }
    }

    public static void RecordGiveUp(string queue) => GiveUps.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", queue));

    public static void RecordSent(string taskName, string queue)
    {
        if (Sent.Enabled)
        {
            Sent.Add(1, new KeyValuePair<string, object?>("typedtasks.task.name", taskName), new KeyValuePair<string, object?>("messaging.destination.name", queue));
        }
    }

    /// <summary>Starts the consumer span of a run, a child of the sender's context when the message carries one.</summary>
    public static Activity? StartProcess(string taskName, string queue, string? traceParent, string? traceState)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Source.StartActivity("process " + taskName, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "nats");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("typedtasks.task.name", taskName);
        }

        return activity;
    }

    /// <summary>Records the end of a run on its span and in the metrics.</summary>
    public static void RecordRun(Activity? activity, string? taskName, string? id, int attempt, string state, string? error, TimeSpan elapsed)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.message.id", id);
            activity.SetTag("typedtasks.task.attempt", attempt);
            activity.SetTag("typedtasks.task.state", state);
            if (state is "FAILURE" or "DEAD_LETTER")
            {
                activity.SetStatus(ActivityStatusCode.Error, error);
            }
            else if (state is "SUCCESS")
            {
                activity.SetStatus(ActivityStatusCode.Ok);
            }
        }

        var name = new KeyValuePair<string, object?>("typedtasks.task.name", taskName ?? string.Empty);
        var stateTag = new KeyValuePair<string, object?>("typedtasks.task.state", state);
        if (Runs.Enabled)
        {
            Runs.Add(1, name, stateTag);
        }

        if (Duration.Enabled)
        {
            Duration.Record(elapsed.TotalSeconds, name, stateTag);
        }
    }
}
