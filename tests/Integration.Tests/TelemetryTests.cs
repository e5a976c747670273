using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Traces across the broker (W3C trace context in the message) and the metrics, on a real nats-server.</summary>
public sealed class TelemetryTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly ActivitySource Web = new("tests.web");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Trace_SendAndRunSpans_ContinueTheCallersTrace()
    {
        using var spans = new SpanRecorder();
        await using var app = await TestApp.StartAsync(server);

        TaskHandle<int> handle;
        Activity request;
        using (request = Web.StartActivity("GET /double", ActivityKind.Server)!)
        {
            handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        }

        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));
        var send = spans.Single(handle.Id, ActivityKind.Producer);
        var run = spans.Single(handle.Id, ActivityKind.Consumer);

        Assert.Equal("send tests.echo", send.DisplayName);
        Assert.Equal(request.TraceId, send.TraceId);
        Assert.Equal(request.SpanId, send.ParentSpanId);
        Assert.Equal("nats", send.GetTagItem("messaging.system"));
        Assert.Equal("default", send.GetTagItem("messaging.destination.name"));

        Assert.Equal("process tests.echo", run.DisplayName);
        Assert.Equal(request.TraceId, run.TraceId);
        Assert.Equal(send.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Ok, run.Status);
        Assert.Equal("SUCCESS", run.GetTagItem("typedtasks.task.state"));
    }

    [Fact]
    public async Task Trace_EachAttemptOfARetriedTask_IsARunSpanOfTheSameTrace()
    {
        using var spans = new SpanRecorder();
        await using var app = await TestApp.StartAsync(server);

        TaskHandle<int> handle;
        using (Web.StartActivity("POST /flaky", ActivityKind.Server))
        {
            handle = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("traced", 1), cancellationToken: Ct);
        }

        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));
        var send = spans.Single(handle.Id, ActivityKind.Producer);
        var runs = spans.All(handle.Id, ActivityKind.Consumer).OrderBy(a => a.GetTagItem("typedtasks.task.attempt")).ToList();

        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(send.SpanId, r.ParentSpanId));
        Assert.Equal(["RETRY", "SUCCESS"], runs.Select(r => (string?)r.GetTagItem("typedtasks.task.state")));
        Assert.Equal([1, 2], runs.Select(r => (int?)r.GetTagItem("typedtasks.task.attempt")));
    }

    [Fact]
    public async Task Trace_WithoutASendSpanListener_TheCallersContextStillReachesTheWorker()
    {
        using var spans = new SpanRecorder(source => source == "tests.web" || source == TypedTasksTelemetry.SourceName);
        await using var app = await TestApp.StartAsync(server);
        // A context the producer side has without any listener of TypedTasks' sends: sampled out by the recorder below.
        spans.RecordSends = false;

        TaskHandle<int> handle;
        Activity request;
        using (request = Web.StartActivity("GET /double", ActivityKind.Server)!)
        {
            handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        }

        await handle.GetAsync(Timeout, Ct);
        Assert.Empty(spans.All(handle.Id, ActivityKind.Producer));
        var run = spans.Single(handle.Id, ActivityKind.Consumer);
        Assert.Equal(request.TraceId, run.TraceId);
        Assert.Equal(request.SpanId, run.ParentSpanId);
    }

    [Fact]
    public async Task Metrics_SentRunsAndDurations_ByTaskAndState()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Task, string? State)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TypedTasksTelemetry.SourceName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Tag(tags, "typedtasks.task.name"), Tag(tags, "typedtasks.task.state"))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Tag(tags, "typedtasks.task.name"), Tag(tags, "typedtasks.task.state"))));
        listener.Start();
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Metered, HandWrittenTasks.Failures("metered", 1), cancellationToken: Ct);
        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));

        var mine = measurements.Where(m => m.Task == "tests.metered").ToList();
        Assert.Equal(1, mine.Where(m => m.Instrument == TypedTasksTelemetry.SentCounter).Sum(m => m.Value));
        var runs = mine.Where(m => m.Instrument == TypedTasksTelemetry.RunsCounter).ToList();
        Assert.Equal(["RETRY", "SUCCESS"], runs.Select(m => m.State).Order(StringComparer.Ordinal));
        var durations = mine.Where(m => m.Instrument == TypedTasksTelemetry.DurationHistogram).ToList();
        Assert.Equal(2, durations.Count);
        Assert.All(durations, d => Assert.InRange(d.Value, 0, Timeout.TotalSeconds));
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    /// <summary>Records the stopped spans of TypedTasks and of the test's "web" source, process-wide while it lives.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public SpanRecorder(Func<string, bool>? sources = null)
        {
            sources ??= source => source is "tests.web" or TypedTasksTelemetry.SourceName;
            _listener = new ActivityListener
            {
                ShouldListenTo = source => sources(source.Name),
                Sample = (ref ActivityCreationOptions<ActivityContext> options)
                    => !RecordSends && options.Kind == ActivityKind.Producer ? ActivitySamplingResult.None : ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public bool RecordSends { get; set; } = true;

        public IEnumerable<Activity> All(string taskId, ActivityKind kind)
            => _stopped.Where(a => a.Kind == kind && (string?)a.GetTagItem("messaging.message.id") == taskId);

        public Activity Single(string taskId, ActivityKind kind) => Assert.Single(All(taskId, kind));

        public void Dispose() => _listener.Dispose();
    }
}
