using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Task events on core NATS (<see cref="ITaskEvents"/>, Celery's <c>-E</c>) on a real nats-server.</summary>
public sealed class TaskEventsTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_FollowATaskFromSendThroughARetryToSuccess()
    {
        await using var app = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync(cancellationToken: Ct);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("evented", 1), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);
        var events = await ReadUntilAsync(feed, e => e.Id == handle.Id && e.Kind == TaskEventKind.Succeeded);

        var mine = events.Where(e => e.Id == handle.Id).ToList();
        var sent = Assert.Single(mine, e => e.Kind == TaskEventKind.Sent);
        Assert.Equal("tests.flaky", sent.TaskName);
        Assert.Equal("default", sent.Queue);
        Assert.Null(sent.Worker);
        // The worker's events in order (the client's Sent may come before or after the first Started).
        var worked = mine.Where(e => e.Kind != TaskEventKind.Sent).ToList();
        Assert.Equal([TaskEventKind.Started, TaskEventKind.Retried, TaskEventKind.Started, TaskEventKind.Succeeded], worked.Select(e => e.Kind));
        Assert.Equal([1, 1, 2, 2], worked.Select(e => e.Attempt ?? 0));
        Assert.All(worked, e => Assert.Equal(app.WorkerService.Id, e.Worker));
        var retried = worked[1];
        Assert.Equal(typeof(IOException).FullName, retried.Error!.Type);
        Assert.NotNull(retried.NextAttemptAt);
        Assert.NotNull(worked[3].Runtime);
    }

    [Fact]
    public async Task Subscribe_ToOneKind_GetsOnlyThatKind()
    {
        await using var app = await TestApp.StartAsync(server, options: o => o.SendTaskEvents = true);
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync([TaskEventKind.Failed], Ct);

        var failing = await app.Client.EnqueueAsync(HandWrittenTasks.Fail, HandWrittenTasks.Value(7), cancellationToken: Ct);
        await Assert.ThrowsAsync<TaskFailedException>(async () => await failing.GetAsync(Timeout, Ct));
        var events = await ReadUntilAsync(feed, e => e.Id == failing.Id);

        var failed = Assert.Single(events);
        Assert.Equal(TaskEventKind.Failed, failed.Kind);
        Assert.Contains("failing on purpose with 7", failed.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_AreOffByDefault()
    {
        var prefix = TestApp.NewPrefix();
        await using var quiet = await TestApp.StartAsync(server, prefix: prefix);
        await using var loud = await TestApp.StartAsync(server, worker: false, prefix: prefix, options: o => o.SendTaskEvents = true);
        await using var feed = await loud.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync(cancellationToken: Ct);

        var silent = await quiet.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: Ct);
        await silent.GetAsync(Timeout, Ct);
        // An event of the silent task would have reached the server before its result did, so before this send.
        var marker = await loud.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(2), cancellationToken: Ct);
        var events = await ReadUntilAsync(feed, e => e.Id == marker.Id && e.Kind == TaskEventKind.Sent);

        Assert.DoesNotContain(events, e => e.Id == silent.Id);
    }

    [Fact]
    public async Task SentEvent_CarriesTheArguments_CutAtTheCap()
    {
        await using var app = await TestApp.StartAsync(server, options: o => { o.SendTaskEvents = true; o.TaskEventArgumentBytes = 20; });
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync([TaskEventKind.Sent], Ct);

        var small = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        var large = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("a-key-longer-than-the-cap", 0), cancellationToken: Ct);
        var events = await ReadUntilAsync(feed, e => e.Id == large.Id);

        var whole = Assert.Single(events, e => e.Id == small.Id);
        Assert.Equal("""{"value":21}""", whole.Arguments);
        Assert.False(whole.ArgumentsTruncated);
        var cut = Assert.Single(events, e => e.Id == large.Id);
        Assert.Equal("""{"key":"a-key-longer""", cut.Arguments);
        Assert.True(cut.ArgumentsTruncated);
    }

    [Fact]
    public async Task SentEvent_WithTheCapAtZero_CarriesNoArguments()
    {
        await using var app = await TestApp.StartAsync(server, options: o => { o.SendTaskEvents = true; o.TaskEventArgumentBytes = 0; });
        await using var feed = await app.Host.Services.GetRequiredService<ITaskEvents>().SubscribeAsync([TaskEventKind.Sent], Ct);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        var events = await ReadUntilAsync(feed, e => e.Id == handle.Id);

        var sent = Assert.Single(events, e => e.Id == handle.Id);
        Assert.Equal("tests.echo", sent.TaskName);
        Assert.Null(sent.Arguments);
        Assert.False(sent.ArgumentsTruncated);
    }

    private static async Task<List<TaskEvent>> ReadUntilAsync(TaskEventFeed feed, Func<TaskEvent, bool> last)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        var events = new List<TaskEvent>();
        await foreach (var taskEvent in feed.ReadAllAsync(deadline.Token))
        {
            events.Add(taskEvent);
            if (last(taskEvent))
            {
                break;
            }
        }

        return events;
    }
}
