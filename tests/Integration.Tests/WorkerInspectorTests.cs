using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Worker heartbeats and <see cref="IWorkerInspector"/> (Celery's inspect) on a real nats-server.</summary>
public sealed class WorkerInspectorTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(200);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunningWorker_IsListedWithItsQueuesSlotsAndRunningTasks()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.HeartbeatInterval = Beat);
        var inspector = app.Host.Services.GetRequiredService<IWorkerInspector>();
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("inspected"), cancellationToken: Ct);
        await app.Probe.StartedSignal("inspected").Task.WaitAsync(Timeout, Ct);

        var busy = await WaitForAsync(inspector, workers => workers.SingleOrDefault(w => w.Active.Any(a => a.Id == handle.Id)));
        Assert.Equal(app.WorkerService.Id, busy.Id);
        Assert.Equal(Environment.ProcessId, busy.ProcessId);
        Assert.Equal(2, busy.Concurrency);
        Assert.Contains("default", busy.Queues);
        var running = Assert.Single(busy.Active);
        Assert.Equal("tests.block", running.TaskName);
        Assert.Equal(1, running.Attempt);
        Assert.True(busy.IsAliveAt(DateTimeOffset.UtcNow));

        app.Probe.Gate("inspected").TrySetResult();
        await handle.GetAsync(Timeout, Ct);
        var idle = await WaitForAsync(inspector, workers => workers.SingleOrDefault(w => w.Id == busy.Id && w.Active.Count == 0 && w.Processed >= 1));
        Assert.Equal(0, idle.Failed);
    }

    [Fact]
    public async Task StoppedWorker_LeavesNoHeartbeat()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();
        string id;
        await using (var app = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.HeartbeatInterval = Beat))
        {
            id = app.WorkerService.Id;
            await WaitForAsync(inspector, workers => workers.SingleOrDefault(w => w.Id == id));
        }

        Assert.DoesNotContain(await inspector.ListAsync(WorkerListing.AliveAndLost, Ct), w => w.Id == id);
    }

    [Fact]
    public async Task KilledWorker_IsReportedLost()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();
        await using var child = WorkerProcess.Start(server, prefix, TimeSpan.FromSeconds(3), settings: [$"--TypedTasks:Worker:HeartbeatInterval={Beat:c}"]);
        var alive = await WaitForAsync(inspector, workers => workers.SingleOrDefault(w => w.ProcessId == child.Id));

        child.Kill();
        await child.WaitForExitAsync(Timeout, Ct);

        // Three silent intervals later it is no longer up, and listed as lost.
        await WaitForAsync(inspector, workers => workers.Any(w => w.Id == alive.Id) ? null : workers);
        var lost = Assert.Single(await inspector.ListAsync(WorkerListing.AliveAndLost, Ct), w => w.Id == alive.Id);
        Assert.False(lost.IsAliveAt(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task NoWorkers_AnEmptyListNotAWait()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);

        var workers = await app.Host.Services.GetRequiredService<IWorkerInspector>().ListAsync(WorkerListing.AliveAndLost, Ct).AsTask().WaitAsync(Timeout, Ct);

        Assert.Empty(workers);
    }

    [Fact]
    public async Task Ping_EveryWorkerAnswersNow_ExceptOnesWithRemoteControlOff()
    {
        var prefix = TestApp.NewPrefix();
        await using var answering = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.HeartbeatInterval = TimeSpan.FromMinutes(5));
        await using var silent = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.RemoteControl = false);
        var inspector = answering.Host.Services.GetRequiredService<IWorkerInspector>();
        var asked = DateTimeOffset.UtcNow;

        var workers = await inspector.PingAsync(TimeSpan.FromMilliseconds(500), Ct);

        var pong = Assert.Single(workers);
        Assert.Equal(answering.WorkerService.Id, pong.Id);
        // Fresher than its heartbeat (every 5 minutes here): the state is taken when asked.
        Assert.True(pong.HeartbeatAt >= asked.AddMilliseconds(-50), $"answered with a state of {pong.HeartbeatAt:O}, asked at {asked:O}");
    }

    [Fact]
    public async Task Shutdown_StopsThatWorkersHost_AndAnUnknownIdIsRefused()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        await using var target = await TestApp.StartAsync(server, prefix: prefix);
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();
        var stopping = target.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

        Assert.False(await inspector.ShutdownAsync("no-such-worker", Ct));
        Assert.False(stopping.IsCancellationRequested);
        Assert.True(await inspector.ShutdownAsync(target.WorkerService.Id, Ct));

        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(WorkerInspectorTests.Timeout, Ct);
        Assert.True(stopping.IsCancellationRequested);
    }

    /// <summary>Lists the live workers until <paramref name="find"/> returns something, bounded by the timeout.</summary>
    private static async Task<T> WaitForAsync<T>(IWorkerInspector inspector, Func<IReadOnlyList<WorkerInfo>, T?> find)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (true)
        {
            if (find(await inspector.ListAsync(cancellationToken: deadline.Token)) is { } found)
            {
                return found;
            }

            await Task.Delay(50, deadline.Token);
        }
    }
}
