using Microsoft.Extensions.DependencyInjection;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>Retries, countdowns, expiry, revocation and time limits on a real nats-server.</summary>
public sealed class LifecycleTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AutoRetryFor_BackoffWithoutJitter_RetriesAfterTheConfiguredDelaysThenSucceeds()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("flaky", 2), cancellationToken: Ct);

        Assert.Equal(3, await handle.GetAsync(Timeout, Ct));
        var attempts = app.Probe.Attempts("flaky");
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        // Backoff base 200 ms doubling, no jitter: the gaps are at least 200 ms and 400 ms.
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(200), $"first gap {attempts[1].At - attempts[0].At}");
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(400), $"second gap {attempts[2].At - attempts[1].At}");
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(3, record!.Attempts);
    }

    [Fact]
    public async Task AutoRetryFor_RetriesExhausted_FailsWithTheLastError()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Flaky, HandWrittenTasks.Failures("exhausted", 10), new TaskOptions { MaxRetries = 1 }, Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(IOException).FullName, error.RemoteType);
        Assert.Equal("attempt 2 fails", error.RemoteMessage);
        Assert.Equal([1, 2], app.Probe.Attempts("exhausted").Select(a => a.Attempt));
    }

    [Fact]
    public async Task Retry_WhileWaiting_StateIsRetryWithNextAttemptAndLastError()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.RetryOnce, HandWrittenTasks.Key("manual"), cancellationToken: Ct);
        var retry = await WaitForStateAsync(handle, TaskState.Retry);

        Assert.Equal(typeof(TimeoutException).FullName, retry.Error!.Type);
        Assert.Equal("the mail server did not answer", retry.Error.Message);
        Assert.NotNull(retry.NextAttemptAt);
        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));
        var attempts = app.Probe.Attempts("manual");
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromMilliseconds(300), $"gap {attempts[1].At - attempts[0].At}");
    }

    [Fact]
    public async Task Countdown_TaskWaitsInTheBrokerNotInAWorker_ThenRuns()
    {
        await using var app = await TestApp.StartAsync(server);
        app.Probe.Gate("later").TrySetResult();
        var sent = DateTimeOffset.UtcNow;

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("later"), new TaskOptions { Countdown = TimeSpan.FromSeconds(1) }, Ct);

        // Auto: native schedules on 2.12+, the schedule stream before (the CI runs this on both).
        Assert.Equal(server.HasSchedules, app.Connection.NativeScheduling);
        var schedule = await app.Connection.JetStream.GetStreamAsync(app.Connection.WaitingStream, cancellationToken: Ct);
        Assert.Equal(1L, (long)schedule.Info.State.Messages);
        Assert.Equal("later", await handle.GetAsync(Timeout, Ct));
        var record = await handle.GetRecordAsync(Ct);
        Assert.True(record!.StartedAt >= sent + TimeSpan.FromSeconds(1), $"started {record.StartedAt - sent} after sending");
        await schedule.RefreshAsync(Ct);
        Assert.Equal(0L, (long)schedule.Info.State.Messages);
    }

    [Fact]
    public async Task Expires_InThePast_TaskIsRevokedAsExpiredAndNotRun()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("expired"), new TaskOptions { Expires = DateTimeOffset.UtcNow.AddSeconds(-1) }, Ct);

        var error = await Assert.ThrowsAsync<TaskRevokedException>(() => handle.WaitAsync(Timeout, Ct));
        Assert.Contains("expired", error.Message);
        Assert.Equal(TaskState.Revoked, await handle.GetStatusAsync(Ct));
        Assert.Equal(0, app.Probe.Executions("expired"));
    }

    [Fact]
    public async Task Revoke_QueuedTask_NeverRunsEvenOnAWorkerStartedLater()
    {
        var prefix = TestApp.NewPrefix();
        await using var producer = await TestApp.StartAsync(server, worker: false, prefix: prefix);
        var handle = await producer.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("revoked"), cancellationToken: Ct);
        await handle.RevokeAsync(cancellationToken: Ct);
        Assert.Equal(TaskState.Revoked, await handle.GetStatusAsync(Ct));

        await using var worker = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.Concurrency = 1);
        // One slot runs tasks in the order they were sent: a task sent after the revoked one finishing means the revoked one was settled.
        await (await worker.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(0, worker.Probe.Executions("revoked"));
        Assert.Equal(TaskState.Revoked, await handle.GetStatusAsync(Ct));
        var consumer = await worker.Connection.JetStream.GetConsumerAsync(worker.Connection.Names.TasksStream, worker.Connection.Names.ConsumerName("default"), Ct);
        Assert.Equal(0ul, consumer.Info.NumPending);
    }

    [Fact]
    public async Task Revoke_WithTerminate_CancelsTheRunningTask()
    {
        await using var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("terminated"), cancellationToken: Ct);
        await app.Probe.StartedSignal("terminated").Task.WaitAsync(Timeout, Ct);

        await handle.RevokeAsync(RevokeMode.Terminate, Ct);

        await Assert.ThrowsAsync<TaskRevokedException>(() => handle.GetAsync(Timeout, Ct));
        // The task saw its token cancelled; it never completed.
        Assert.Equal(0, app.Probe.Executions("terminated"));
        var running = await WaitForStateAsync(handle, TaskState.Revoked);
        Assert.Equal(typeof(TaskRevokedException).FullName, running.Error!.Type);
    }

    [Fact]
    public async Task Revocation_ExpiresAfterRevocationExpiry_AlsoOnAWorkerThatSawIt()
    {
        await using var app = await TestApp.StartAsync(server, options: o => o.RevocationExpiry = TimeSpan.FromSeconds(1));
        var revocations = app.Host.Services.GetRequiredService<TypedTasks.Worker.RevocationRegistry>();
        var id = "revoked-then-expired-" + Guid.NewGuid().ToString("N");
        // Revoked the protocol's way (a key in the bucket), so no REVOKED record stands in the way afterwards.
        var bucket = await app.Connection.KeyValue.GetStoreAsync(app.Connection.Names.RevokedBucket, Ct);
        await bucket.PutAsync(id, System.Text.Encoding.UTF8.GetBytes("""{"terminate":false}"""), cancellationToken: Ct);

        await WaitUntilAsync(() => revocations.IsRevoked(id));
        await WaitUntilAsync(() => !revocations.IsRevoked(id));

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(8), new TaskOptions { TaskId = id }, Ct);
        Assert.Equal(16, await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task SoftTimeLimit_CancelsTheTasksToken()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.SoftLimited, HandWrittenTasks.Key("soft"), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Contains("Cancel", error.RemoteType);
        Assert.Equal(0, app.Probe.Executions("soft"));
    }

    [Fact]
    public async Task TimeLimit_TaskIgnoringItsToken_IsAbandonedAndTheSlotFreed()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 1);

        var stuck = await app.Client.EnqueueAsync(HandWrittenTasks.HardLimited, HandWrittenTasks.Key("hard"), cancellationToken: Ct);
        var next = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(5), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => stuck.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(TaskTimeLimitExceededException).FullName, error.RemoteType);
        // The only slot was freed while the stuck method still blocks.
        Assert.Equal(10, await next.GetAsync(Timeout, Ct));
        Assert.Equal(0, app.Probe.Executions("hard"));
        app.Probe.Gate("hard").TrySetResult();
    }

    [Fact]
    public async Task ReportProgress_StatusPageSeesStartedWithProgress_ThenSuccess()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Progressing, HandWrittenTasks.Key("progress"), cancellationToken: Ct);
        await app.Probe.StartedSignal("progress").Task.WaitAsync(Timeout, Ct);

        var running = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Started, running!.State);
        Assert.Equal(new TaskProgress(0.5, "page 5 of 10"), running.Progress);
        app.Probe.Gate("progress").TrySetResult();
        Assert.Equal("progress", await handle.GetAsync(Timeout, Ct));
        var done = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, done!.State);
        Assert.Null(done.Progress);
    }

    [Fact]
    public async Task TypedProgress_InATightLoop_IsThrottled_AndTheLastReportIsStored()
    {
        await using var app = await TestApp.StartAsync(server);
        // Every write of a record is a publish on $KV.<bucket>.<id>: count the task's progress writes as they happen.
        await using var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = server.Url });
        var writes = System.Threading.Channels.Channel.CreateUnbounded<TaskResultRecord>();
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>("$KV." + app.Connection.Names.ResultsBucket + ".>", cancellationToken: Ct);
        var pump = PumpAsync();

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.ProgressingTyped, HandWrittenTasks.Key("typed"), cancellationToken: Ct);
        await app.Probe.StartedSignal("typed").Task.WaitAsync(Timeout, Ct);

        // 10,000 reports: the first is written at once, the last when the interval (1 s) ends; none of those between
        // unless the loop outlasted an interval.
        var progressWrites = new List<TaskProgress>();
        using (var last = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            last.CancelAfter(Timeout);
            await foreach (var record in writes.Reader.ReadAllAsync(last.Token))
            {
                if (record.Id == handle.Id && record.Progress is { } progress)
                {
                    progressWrites.Add(progress);
                    if (progress.ReadData(TestJson.Default.ImportProgress)!.Rows == 9_999)
                    {
                        break;
                    }
                }
            }
        }

        Assert.InRange(progressWrites.Count, 2, 10);
        Assert.Equal(new ImportProgress(0, "import"), progressWrites[0].ReadData(TestJson.Default.ImportProgress));
        var running = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Started, running!.State);
        Assert.Equal(1.0, running.Progress!.Fraction);
        Assert.Equal(new ImportProgress(9_999, "import"), running.Progress.ReadData(TestJson.Default.ImportProgress));

        app.Probe.Gate("typed").TrySetResult();
        Assert.Equal("typed", await handle.GetAsync(Timeout, Ct));
        Assert.Null((await handle.GetRecordAsync(Ct))!.Progress);
        await subscription.UnsubscribeAsync();
        await pump.WaitAsync(Timeout, Ct);

        async Task PumpAsync()
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync(Ct))
            {
                if (message.Data is { Length: > 0 } data)
                {
                    writes.Writer.TryWrite(Protocol.ResultRecordSerializer.Read(data));
                }
            }
        }
    }

    [Fact]
    public async Task RecordPending_QueuedAndUnknownIdsAreToldApart()
    {
        var prefix = TestApp.NewPrefix();
        await using var producer = await TestApp.StartAsync(server, worker: false, prefix: prefix, options: o => o.ResultBackend.RecordPending = true);

        var queued = await producer.Client.EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(3), cancellationToken: Ct);
        var unknown = producer.Client.GetHandle(HandWrittenTasks.Echo, "never-sent");

        var pending = await queued.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Pending, pending!.State);
        Assert.NotNull(pending.SentAt);
        Assert.Null(await unknown.GetRecordAsync(Ct));
        Assert.Equal(TaskState.Pending, await unknown.GetStatusAsync(Ct));

        await using var worker = await TestApp.StartAsync(server, prefix: prefix);
        Assert.Equal(6, await queued.GetAsync(Timeout, Ct));
        Assert.Equal(TaskState.Success, await queued.GetStatusAsync(Ct));
    }

    [Fact]
    public async Task ServerRestart_TaskWaitingForItsEta_StillRuns()
    {
        await using var restartable = new NatsServer();
        await restartable.InitializeAsync();
        await using var app = await TestApp.StartAsync(restartable);
        app.Probe.Gate("survivor").TrySetResult();
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("survivor"), new TaskOptions { Countdown = TimeSpan.FromSeconds(2) }, Ct);

        await restartable.KillAsync();
        await restartable.StartAsync();

        Assert.Equal("survivor", await handle.GetAsync(Timeout, Ct));
    }

    [Fact]
    public async Task ServerRestart_TaskWaitingForItsRetry_StillRuns()
    {
        await using var restartable = new NatsServer();
        await restartable.InitializeAsync();
        await using var app = await TestApp.StartAsync(restartable);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.SlowRetry, HandWrittenTasks.Failures("retry-survivor", 1), cancellationToken: Ct);
        var waiting = await WaitForStateAsync(handle, TaskState.Retry);

        await restartable.KillAsync();
        await restartable.StartAsync();

        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));
        Assert.Equal([1, 2], app.Probe.Attempts("retry-survivor").Select(a => a.Attempt));
        Assert.True(app.Probe.Attempts("retry-survivor")[1].At >= waiting.NextAttemptAt!.Value.AddMilliseconds(-50), "the retry ran before it was due");
    }

    [Fact]
    public async Task ManyScheduledTasks_DoNotDelayImmediateOnes()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 4);
        const int Scheduled = 10_000;
        const int Immediate = 1_000;

        var later = new TaskOptions { Countdown = TimeSpan.FromMinutes(10) };
        await SendManyAsync(Scheduled, async _ => await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("scheduled"), later, Ct));
        var handles = new TaskHandle[Immediate];
        await SendManyAsync(Immediate, async i => handles[i] = await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("immediate"), cancellationToken: Ct));
        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout, Ct);
        }

        Assert.Equal(Immediate, app.Probe.Executions("immediate"));
        Assert.Equal(0, app.Probe.Executions("scheduled"));
        var schedule = await app.Connection.JetStream.GetStreamAsync(app.Connection.WaitingStream, cancellationToken: Ct);
        Assert.Equal((long)Scheduled, (long)schedule.Info.State.Messages);
    }

    private static async Task SendManyAsync(int count, Func<int, ValueTask> send)
    {
        var window = new List<Task>(256);
        for (var i = 0; i < count; i++)
        {
            window.Add(send(i).AsTask());
            if (window.Count == 256)
            {
                await Task.WhenAll(window);
                window.Clear();
            }
        }

        await Task.WhenAll(window);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    private static async Task<TaskResultRecord> WaitForStateAsync(TaskHandle handle, TaskState state)
    {
        // The record is the observable: read until it shows the state, bounded.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (true)
        {
            if (await handle.GetRecordAsync(deadline.Token) is { } record && record.State == state)
            {
                return record;
            }

            await Task.Delay(20, deadline.Token);
        }
    }
}
