using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Send → worker → result store → waiting producer, on a real nats-server.</summary>
public sealed class RoundTripTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DelayAsync_TaskWithResult_GetAsyncReturnsTheResult()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(42, await handle.GetAsync(Timeout, TestContext.Current.CancellationToken));
        var record = await handle.GetRecordAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(record);
        Assert.Equal(TaskState.Success, record.State);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(handle.Id, record.Id);
        Assert.Equal("tests.echo", record.TaskName);
        Assert.NotNull(record.Worker);
    }

    [Fact]
    public async Task DelayAsync_TaskWithoutResult_WaitAsyncCompletesAndTaskRan()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("no-result"), cancellationToken: TestContext.Current.CancellationToken);
        await handle.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(1, app.Probe.Executions("no-result"));
        Assert.Equal(TaskState.Success, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetAsync_TaskThrows_TaskFailedExceptionCarriesRemoteTypeMessageAndStack()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Fail, HandWrittenTasks.Value(7), cancellationToken: TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal("failing on purpose with 7", error.RemoteMessage);
        Assert.Contains("InvokeFail", error.RemoteStackTrace);
        Assert.Equal(handle.Id, error.TaskId);
        Assert.Equal(TaskState.Failure, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetHandle_FromAnotherProcessHandle_WaitsThroughKvWatch()
    {
        await using var app = await TestApp.StartAsync(server);
        await using var producer = await TestApp.StartAsync(server, worker: false, prefix: app.Prefix);

        var sent = await producer.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("foreign"), cancellationToken: TestContext.Current.CancellationToken);
        var foreign = app.Client.GetHandle(HandWrittenTasks.Block, sent.Id);
        var waiting = foreign.GetAsync(Timeout, TestContext.Current.CancellationToken);
        await app.Probe.StartedSignal("foreign").Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        app.Probe.Gate("foreign").TrySetResult();

        Assert.Equal("foreign", await waiting);
    }

    [Fact]
    public async Task GetStatusAsync_UnknownId_IsPending()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);

        var handle = app.Client.GetHandle(HandWrittenTasks.Echo, "no-such-task");

        Assert.Equal(TaskState.Pending, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
        Assert.Null(await handle.GetRecordAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TrackStarted_RunningTask_StatusIsStartedThenSuccess()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.BlockStarted, HandWrittenTasks.Key("tracked"), cancellationToken: TestContext.Current.CancellationToken);
        await app.Probe.StartedSignal("tracked").Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(TaskState.Started, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
        app.Probe.Gate("tracked").TrySetResult();
        Assert.Equal("tracked", await handle.GetAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(TaskState.Success, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ForgetAsync_RemovesTheRecord()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(1), cancellationToken: TestContext.Current.CancellationToken);
        await handle.GetAsync(Timeout, TestContext.Current.CancellationToken);

        await handle.ForgetAsync(TestContext.Current.CancellationToken);

        Assert.Equal(TaskState.Pending, await handle.GetStatusAsync(TestContext.Current.CancellationToken));
    }
}
