using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
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
        // The last hour, minute by minute (the dashboard's throughput chart): every finished run is in it.
        Assert.Equal(idle.Processed, idle.LastHour.Sum(m => m.Processed));
        Assert.All(idle.LastHour, m => Assert.InRange(m.Minute, idle.StartedAt.AddMinutes(-1), idle.HeartbeatAt));
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
        await using var silent = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.RemoteControl.Enabled = false);
        var inspector = answering.Host.Services.GetRequiredService<IWorkerInspector>();
        var asked = DateTimeOffset.UtcNow;

        var workers = await inspector.PingAsync(TimeSpan.FromMilliseconds(500), Ct);

        var pong = Assert.Single(workers);
        Assert.Equal(answering.WorkerService.Id, pong.Id);
        // Fresher than its heartbeat (every 5 minutes here): the state is taken when asked.
        Assert.True(pong.HeartbeatAt >= asked.AddMilliseconds(-50), $"answered with a state of {pong.HeartbeatAt:O}, asked at {asked:O}");
    }

    [Fact]
    public async Task Shutdown_WhenAllowed_StopsThatWorkersHost_AndAnUnknownIdIsRefused()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        await using var target = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.RemoteControl.AllowShutdown = true);
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();
        var stopping = target.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

        Assert.False(await inspector.ShutdownAsync("no-such-worker", Ct));
        Assert.False(stopping.IsCancellationRequested);
        Assert.True(await inspector.ShutdownAsync(target.WorkerService.Id, Ct));

        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(WorkerInspectorTests.Timeout, Ct);
        Assert.True(stopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Heartbeat_SaysWhetherTheWorkerAllowsRemoteShutdown()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        await using var allowing = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.RemoteControl.AllowShutdown = true);
        await using var byDefault = await TestApp.StartAsync(server, prefix: prefix);
        // AllowShutdown without remote control: nothing listens, so it does not allow it.
        await using var deaf = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o =>
        {
            o.RemoteControl.AllowShutdown = true;
            o.RemoteControl.Enabled = false;
        });
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        IReadOnlyList<WorkerInfo> workers;
        while ((workers = await inspector.ListAsync(WorkerListing.Alive, deadline.Token)).Count < 3)
        {
        }

        Assert.True(workers.Single(w => w.Id == allowing.WorkerService.Id).AllowsShutdown);
        Assert.False(workers.Single(w => w.Id == byDefault.WorkerService.Id).AllowsShutdown);
        Assert.False(workers.Single(w => w.Id == deaf.WorkerService.Id).AllowsShutdown);

        // On the wire: camelCase in the heartbeat JSON, and in a ping answer.
        Assert.Contains("\"allowsShutdown\":true", System.Text.Json.JsonSerializer.Serialize(workers.Single(w => w.Id == allowing.WorkerService.Id), TypedTasks.Protocol.WorkerInfoJson.Default.WorkerInfo), StringComparison.Ordinal);
        var pongs = await inspector.PingAsync(TimeSpan.FromSeconds(1), Ct);
        Assert.True(pongs.Single(w => w.Id == allowing.WorkerService.Id).AllowsShutdown);
        Assert.False(pongs.Single(w => w.Id == byDefault.WorkerService.Id).AllowsShutdown);
    }

    [Fact]
    public async Task Shutdown_ByDefault_IsRefusedSayingHowToEnableIt_AndTheWorkerRunsOn()
    {
        var prefix = TestApp.NewPrefix();
        await using var observer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        await using var target = await TestApp.StartAsync(server, prefix: prefix);
        var inspector = observer.Host.Services.GetRequiredService<IWorkerInspector>();
        var stopping = target.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

        var refused = await Assert.ThrowsAsync<RemoteControlRefusedException>(() => inspector.ShutdownAsync(target.WorkerService.Id, Ct).AsTask());

        Assert.Equal(target.WorkerService.Id, refused.WorkerId);
        Assert.Equal("shutdown", refused.Command);
        Assert.Contains("remote shutdown is off on this worker; enable it with TypedTasks:Worker:RemoteControl:AllowShutdown=true", refused.Message, StringComparison.Ordinal);
        Assert.False(stopping.IsCancellationRequested);
        var handle = await observer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), cancellationToken: Ct);
        Assert.Equal(6, await handle.GetAsync(Timeout, Ct));
        Assert.False(stopping.IsCancellationRequested);
    }

    [Fact]
    public async Task ShutdownOnTheSubjectOfAllWorkers_IsRefused_EvenWhenAllowed()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.RemoteControl.AllowShutdown = true);
        var stopping = app.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

        var answer = await RequestAsync(app, app.Connection.Names.ControlAll, "shutdown"u8.ToArray());

        Assert.StartsWith($"refused: shutdown is accepted only on a worker's own subject ({app.Connection.Names.ControlSubject(app.WorkerService.Id)})", answer, StringComparison.Ordinal);
        Assert.Equal(app.WorkerService.Id, Assert.Single(await app.Host.Services.GetRequiredService<IWorkerInspector>().PingAsync(TimeSpan.FromMilliseconds(500), Ct)).Id);
        Assert.False(stopping.IsCancellationRequested);
    }

    [Fact]
    public async Task ControlLoop_SurvivesAnyInput_PublishesOnlyToInboxes_LogsEachBadMessageOnceAndBounded()
    {
        var logs = new CapturedLogs();
        // Shutdown allowed: a shutdown without a proper reply subject must still not stop the worker.
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.RemoteControl.AllowShutdown = true, services: s => s.AddSingleton<ILoggerProvider>(logs));
        var stopping = app.Host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;
        var nats = app.Connection.Nats;
        var names = app.Connection.Names;
        var mine = names.ControlSubject(app.WorkerService.Id);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), cancellationToken: Ct);
        await handle.GetAsync(Timeout, Ct);
        var results = await app.Connection.KeyValue.GetStoreAsync(names.ResultsBucket, Ct);
        var before = await results.GetEntryAsync<ReadOnlyMemory<byte>>(handle.Id, serializer: Raw, cancellationToken: Ct);
        await using var trap = await nats.SubscribeCoreAsync<ReadOnlyMemory<byte>>("trap.>", serializer: Raw, cancellationToken: Ct);
        var garbage = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var huge = new byte[512 * 1024];
        Array.Fill(huge, (byte)'A');

        // Ignored (no inbox to answer on), each logged once: 5 messages.
        await nats.PublishAsync(mine, "shutdown"u8.ToArray(), serializer: Raw, cancellationToken: Ct);
        await nats.PublishAsync(mine, garbage, serializer: Raw, cancellationToken: Ct);
        await nats.PublishAsync(mine, "ping"u8.ToArray(), replyTo: "$KV." + names.ResultsBucket + "." + handle.Id, serializer: Raw, cancellationToken: Ct);
        await nats.PublishAsync(mine, "shutdown"u8.ToArray(), replyTo: "trap.shutdown", serializer: Raw, cancellationToken: Ct);
        await nats.PublishAsync(names.ControlAll, "shutdown"u8.ToArray(), serializer: Raw, cancellationToken: Ct);
        // Answered "unknown command", each logged once: 2 messages.
        var unknown = await RequestAsync(app, mine, "reboot\r\nnow"u8.ToArray());
        var unknownHuge = await RequestAsync(app, mine, huge);
        // The same subscription answers after all of the above (one loop per subject, in order), and the other one too.
        var pong = await RequestAsync(app, mine, "ping"u8.ToArray());
        var pinged = await app.Host.Services.GetRequiredService<IWorkerInspector>().PingAsync(TimeSpan.FromMilliseconds(500), Ct);

        Assert.Equal("unknown command", unknown);
        Assert.Equal("unknown command", unknownHuge);
        Assert.Contains(app.WorkerService.Id, pong, StringComparison.Ordinal);
        Assert.Equal(app.WorkerService.Id, Assert.Single(pinged).Id);
        Assert.False(stopping.IsCancellationRequested);
        // Nothing went to the subjects named as reply: the record is untouched, the trap empty.
        var after = await results.GetEntryAsync<ReadOnlyMemory<byte>>(handle.Id, serializer: Raw, cancellationToken: Ct);
        Assert.Equal(before.Revision, after.Revision);
        Assert.Equal(TaskState.Success, await handle.GetStatusAsync(Ct));
        Assert.False(trap.Msgs.TryRead(out _));
        var lines = logs.Text.Split('\n').Where(l => l.Contains("Remote control:", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 7, string.Join('\n', lines));
        Assert.Equal(5, lines.Count(l => l.Contains("ignored a message", StringComparison.Ordinal) && !l.Contains("unknown command", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("is not an inbox", StringComparison.Ordinal) && l.Contains("$KV.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("reboot??now", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"({huge.Length} bytes)", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length < 1000, $"{l.Length} characters: {l[..Math.Min(200, l.Length)]}"));
    }

    [Fact]
    public async Task Ping_TellsHowManyTasksRun_ButWhichOnlyWithIncludeRunningTasks()
    {
        await using var quiet = await TestApp.StartAsync(server, workerOptions: o => o.HeartbeatInterval = Beat);
        await using var telling = await TestApp.StartAsync(server, workerOptions: o => o.RemoteControl.IncludeRunningTasks = true);
        var running = new List<string>();
        foreach (var app in new[] { quiet, telling })
        {
            var key = "pinged-" + app.Prefix;
            running.Add((await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key(key), cancellationToken: Ct)).Id);
            await app.Probe.StartedSignal(key).Task.WaitAsync(Timeout, Ct);
        }

        var quietPong = Assert.Single(await quiet.Host.Services.GetRequiredService<IWorkerInspector>().PingAsync(TimeSpan.FromMilliseconds(500), Ct));
        var tellingPong = Assert.Single(await telling.Host.Services.GetRequiredService<IWorkerInspector>().PingAsync(TimeSpan.FromMilliseconds(500), Ct));
        // The heartbeat, readable with the workers bucket's read permission, keeps them for tt workers.
        var beat = await WaitForAsync(quiet.Host.Services.GetRequiredService<IWorkerInspector>(), workers => workers.SingleOrDefault(w => w.Active.Count == 1));
        foreach (var app in new[] { quiet, telling })
        {
            app.Probe.Gate("pinged-" + app.Prefix).TrySetResult();
        }

        Assert.Equal(1, quietPong.Busy);
        Assert.Empty(quietPong.Active);
        Assert.DoesNotContain(running[0], System.Text.Json.JsonSerializer.Serialize(quietPong), StringComparison.Ordinal);
        Assert.Equal(1, tellingPong.Busy);
        Assert.Equal(running[1], Assert.Single(tellingPong.Active).Id);
        Assert.Equal(running[0], Assert.Single(beat.Active).Id);
    }

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    /// <summary>A request on core NATS from the app's connection (an inbox reply subject), the answer as text.</summary>
    private static async Task<string> RequestAsync(TestApp app, string subject, ReadOnlyMemory<byte> body)
    {
        var answer = await app.Connection.Nats.RequestAsync(subject, body, requestSerializer: Raw, replySerializer: Raw, replyOpts: new NatsSubOpts { Timeout = Timeout }, cancellationToken: Ct);
        return System.Text.Encoding.UTF8.GetString(answer.Data.Span);
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
