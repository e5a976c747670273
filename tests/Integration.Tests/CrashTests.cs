using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream;
using TypedTasks.Integration.Tests.Infrastructure;
using TypedTasks.WorkerHost;

namespace TypedTasks.Integration.Tests;

/// <summary>
/// Workers in real child processes (<c>tests/WorkerHost</c>) killed (SIGKILL) or stopped (SIGTERM) while they hold a
/// task; the task is picked up by a worker in the test process, which registers the same tasks.
/// </summary>
public sealed class CrashTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Short, so a killed worker's task comes back within about a second.</summary>
    private static readonly TimeSpan AckWait = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SigKill_MidTask_TaskIsRedeliveredAndSucceedsOnAnotherWorker()
    {
        var prefix = TestApp.NewPrefix();
        using var marker = new MarkerFile();
        await using var client = await StartClientAsync(prefix);
        await using var child = WorkerProcess.Start(server, prefix, AckWait);

        var handle = await client.Client.Hang().DelayAsync(marker.Path, Ct);
        var first = await marker.WaitForRunsAsync(1, Timeout, Ct);
        Assert.Equal(child.Id, first[0].ProcessId);

        // The next run returns; the survivor waits for work before the kill, so the wait measured is the broker's.
        await using var survivor = await StartWorkerAsync(prefix, AckWait);
        var killedAt = DateTime.UtcNow;
        child.Kill();
        await child.WaitForExitAsync(Timeout, Ct);

        Assert.StartsWith("released in ", await handle.GetAsync(Timeout, Ct));
        var runs = marker.Runs;
        Assert.Equal([child.Id, Environment.ProcessId], runs.Select(r => r.ProcessId));
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, record!.State);
        Assert.Equal(1, record.Attempts);
        // nats-server 2.9.10 miscounts deliveries (a NAK sometimes counts): never assert the exact number (docs/nats.md, "Delivery counts").
        Assert.True(await DeliveredAsync(survivor) >= 2ul);
        Report($"SIGKILL -> redelivered and started on the survivor after {(runs[1].StartedAt - killedAt).TotalMilliseconds:F0} ms (AckWait {AckWait.TotalMilliseconds:F0} ms)");
    }

    [Fact]
    public async Task TaskThatKillsEveryWorker_PastMaxDeliveries_IsDeadLetteredAsWorkerLost()
    {
        var prefix = TestApp.NewPrefix();
        using var marker = new MarkerFile();
        await using var client = await StartClientAsync(prefix);

        var handle = await client.Client.Crash().DelayAsync(marker.Path, Ct);

        // Deliveries 1 and 2 (= MaxDeliveries): each kills the worker process that runs it.
        for (var delivery = 1; delivery <= 2; delivery++)
        {
            await using var child = WorkerProcess.Start(server, prefix, AckWait, maxDeliveries: 2);
            await child.WaitForExitAsync(Timeout, Ct);
            var runs = marker.Runs;
            Assert.Equal(delivery, runs.Count);
            Assert.Equal(child.Id, runs[^1].ProcessId);
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(128 + 9, child.ExitCode); // died of SIGKILL, not of an error
            }
        }

        // Delivery 3 > MaxDeliveries: dead-lettered without running (running it here would throw, not kill).
        await using var last = await StartWorkerAsync(prefix, AckWait, maxDeliveries: 2);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal("TypedTasks.WorkerLostException", error.RemoteType);
        var dead = await ReadDeadLetterAsync(last);
        Assert.Equal(handle.Id, dead.Headers!["TT-Id"].ToString());
        Assert.StartsWith("Worker lost", dead.Headers["TT-Dead-Reason"].ToString());
        Assert.Equal(2, marker.Runs.Count);
        // nats-server 2.9.10 miscounts deliveries (a NAK sometimes counts): never assert the exact number (docs/nats.md, "Delivery counts").
        Assert.True(await DeliveredAsync(last) >= 3ul);
    }

    [Fact]
    public async Task SigTerm_MidTask_HandsTheTaskBackPromptly_AndItIsNotAnAttempt()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Needs POSIX signals.");

        // A long AckWait: only the graceful hand-back (a NAK) can bring the task back within the wait below.
        var ackWait = TimeSpan.FromSeconds(30);
        var prefix = TestApp.NewPrefix();
        using var marker = new MarkerFile();
        await using var client = await StartClientAsync(prefix);
        await using var child = WorkerProcess.Start(server, prefix, ackWait, shutdownGracePeriod: TimeSpan.FromMilliseconds(200));

        var handle = await client.Client.Hang().DelayAsync(marker.Path, Ct);
        await marker.WaitForRunsAsync(1, Timeout, Ct);
        await using var survivor = await StartWorkerAsync(prefix, ackWait);
        var clock = Stopwatch.StartNew();
        await child.TerminateAsync(Ct);
        await child.WaitForExitAsync(Timeout, Ct);
        var exited = clock.Elapsed;

        // An expired AckWait would redeliver at the earliest ackWait - ackWait / 3 after the signal (20 s); the
        // bound leaves a loaded machine plenty of room and still tells a hand-back from an AckWait expiry.
        var result = await handle.GetAsync(TimeSpan.FromSeconds(15) - clock.Elapsed, Ct);
        var handedBack = clock.Elapsed;
        Assert.Equal(0, child.ExitCode);
        Assert.True(marker.Runs.Select(r => r.ProcessId).SequenceEqual(new[] { child.Id, Environment.ProcessId }), $"runs {string.Join(",", marker.Runs.Select(r => r.ProcessId))}, result '{result}', child {child.Id}, record {await handle.GetRecordAsync(Ct)}");
        Assert.Equal("released in " + Environment.ProcessId, result);
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, record!.State);
        Assert.Equal(1, record.Attempts);
        // nats-server 2.9.10 miscounts deliveries (a NAK sometimes counts): never assert the exact number (docs/nats.md, "Delivery counts").
        Assert.True(await DeliveredAsync(survivor) >= 2ul);
        Report($"SIGTERM -> child exited after {exited.TotalMilliseconds:F0} ms, task done on the survivor after {handedBack.TotalMilliseconds:F0} ms (AckWait {ackWait.TotalSeconds:F0} s)");
    }

    [Fact]
    public async Task SigTerm_HandBack_DoesNotCountTowardMaxDeliveries()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Needs POSIX signals.");

        // WorkerOptions.MaxDeliveries: "A graceful hand-back on shutdown does not count." With MaxDeliveries = 1 the
        // second delivery, after a hand-back and no crash, must run, not be dead-lettered as worker lost.
        var prefix = TestApp.NewPrefix();
        using var marker = new MarkerFile();
        await using var client = await StartClientAsync(prefix);
        // A long AckWait: on a loaded machine a 1 s AckWait can lapse between progress acks and redeliver the hanging
        // task to the survivor a second time, which is not what this test is about.
        var ackWait = TimeSpan.FromSeconds(30);
        await using var child = WorkerProcess.Start(server, prefix, ackWait, maxDeliveries: 1, shutdownGracePeriod: TimeSpan.FromMilliseconds(200));

        var handle = await client.Client.Hang().DelayAsync(marker.Path, Ct);
        await marker.WaitForRunsAsync(1, Timeout, Ct);
        await child.TerminateAsync(Ct);
        await child.WaitForExitAsync(Timeout, Ct);
        await using var survivor = await StartWorkerAsync(prefix, ackWait, maxDeliveries: 1);

        Assert.StartsWith("released in ", await handle.GetAsync(Timeout, Ct));
        Assert.Equal(2, marker.Runs.Count);
    }

    [Fact]
    public async Task PrefetchedTask_BesideOneThatKillsTheWorker_IsNotDeadLetteredAsWorkerLost()
    {
        // Both are in the stream before the child's first pull: the child holds Echo, never starts it, and dies of
        // Crash. Echo did not crash anything; it must run elsewhere. Runs are counted in the result store, and a
        // first delivery counts as a run, so with MaxDeliveries 2 a prefetched task caught in one crash still runs.
        var prefix = TestApp.NewPrefix();
        using var marker = new MarkerFile();
        await using var client = await StartClientAsync(prefix);
        var crash = await client.Client.Crash().DelayAsync(marker.Path, Ct);
        var echo = await client.Client.Echo().DelayAsync(21, Ct);

        await using (var child = WorkerProcess.Start(server, prefix, AckWait, maxDeliveries: 2))
        {
            await child.WaitForExitAsync(Timeout, Ct);
        }

        await using var survivor = await StartWorkerAsync(prefix, AckWait, maxDeliveries: 2);

        Assert.Equal(21, await echo.GetAsync(Timeout, Ct));
        var record = await echo.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, record!.State);
        // Crash ran again in this process, where it refuses to kill the test host and fails instead.
        var failed = await Assert.ThrowsAsync<TaskFailedException>(() => crash.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.RemoteType);
        Assert.Equal(2, marker.Runs.Count);
    }

    private Task<TestApp> StartClientAsync(string prefix)
        => TestApp.StartAsync(server, worker: false, prefix: prefix, tasks: b => b.AddTypedTasksWorkerHostTasks());

    /// <summary>A worker in this process with the child's consumer settings (a different AckWait would update the consumer).</summary>
    private Task<TestApp> StartWorkerAsync(string prefix, TimeSpan ackWait, int maxDeliveries = 5)
        => TestApp.StartAsync(server, prefix: prefix, tasks: b => b.AddTypedTasksWorkerHostTasks(), workerOptions: o =>
        {
            o.AckWait = ackWait;
            o.MaxDeliveries = maxDeliveries;
        });

    private static async Task<ulong> DeliveredAsync(TestApp app)
    {
        var consumer = await app.Connection.JetStream.GetConsumerAsync(app.Connection.Names.TasksStream, app.Connection.Names.ConsumerName("default"), Ct);
        return consumer.Info.Delivered.ConsumerSeq;
    }

    private static async Task<INatsJSMsg<byte[]>> ReadDeadLetterAsync(TestApp app)
    {
        var consumer = await app.Connection.JetStream.CreateOrderedConsumerAsync(app.Connection.Names.DeadStream, cancellationToken: Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Timeout);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: cts.Token))
        {
            return message;
        }

        throw new TimeoutException("No dead letter arrived.");
    }

    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        TestContext.Current.SendDiagnosticMessage(line);
    }
}
