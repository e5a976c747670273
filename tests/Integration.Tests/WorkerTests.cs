using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>The worker's guarantees: slots, redelivery, dedupe, dead letters, graceful shutdown.</summary>
public sealed class WorkerTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrency_ThreeSlots_RunThreeTasksAtOnce()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 3);

        var handles = new List<TaskHandle<string>>();
        foreach (var key in new[] { "c1", "c2", "c3" })
        {
            handles.Add(await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key(key), cancellationToken: Ct));
        }

        // All three are inside the task at the same moment; none can finish before the gates open.
        await app.Probe.RunningAtOnce(3).WaitAsync(Timeout, Ct);
        foreach (var key in new[] { "c1", "c2", "c3" })
        {
            app.Probe.Gate(key).TrySetResult();
        }

        foreach (var handle in handles)
        {
            await handle.GetAsync(Timeout, Ct);
        }

        Assert.Equal(3, app.Probe.MaxRunning);
    }

    [Fact]
    public async Task Concurrency_OneSlot_NeverRunsTwoAtOnce()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 1);

        var first = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("s1"), cancellationToken: Ct);
        var second = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("s2"), cancellationToken: Ct);
        await app.Probe.StartedSignal("s1").Task.WaitAsync(Timeout, Ct);
        app.Probe.Gate("s2").TrySetResult();
        Assert.False(app.Probe.StartedSignal("s2").Task.IsCompleted);

        app.Probe.Gate("s1").TrySetResult();
        await first.GetAsync(Timeout, Ct);
        await second.GetAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.MaxRunning);
    }

    [Fact]
    public async Task WorkerStoppedBeforeAck_TaskIsRedeliveredAndRunsOnAnotherWorker()
    {
        var prefix = TestApp.NewPrefix();
        var first = await TestApp.StartAsync(server, prefix: prefix, workerOptions: o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(200));
        var handle = await first.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("handed-back"), cancellationToken: Ct);
        await first.Probe.StartedSignal("handed-back").Task.WaitAsync(Timeout, Ct);

        // The grace period runs out while the task still blocks: it is cancelled and not acked.
        var firstProbe = first.Probe;
        await first.DisposeAsync();
        Assert.Equal(0, firstProbe.Executions("handed-back"));

        var probe = new Probe();
        probe.Gate("handed-back").TrySetResult();
        await using var second = await TestApp.StartAsync(server, prefix: prefix, probe: probe);
        var again = second.Client.GetHandle(HandWrittenTasks.Block, handle.Id);

        Assert.Equal("handed-back", await again.GetAsync(Timeout, Ct));
        Assert.Equal(1, probe.Executions("handed-back"));
        // Delivered twice: once to the stopped worker, once to this one. (A hand-back on shutdown is a NAK,
        // which nats-server 2.9 does not count as a delivery attempt, so the record's Attempts stays 1.)
        var consumer = await second.Connection.JetStream.GetConsumerAsync(second.Connection.Names.TasksStream, second.Connection.Names.ConsumerName("default"), Ct);
        Assert.Equal(2ul, consumer.Info.Delivered.ConsumerSeq);
    }

    [Fact]
    public async Task SameTaskIdSentTwice_IsStoredAndExecutedOnce()
    {
        await using var app = await TestApp.StartAsync(server);
        var options = new TaskOptions { TaskId = "dedupe-" + Guid.NewGuid().ToString("N") };

        var one = await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("dedupe"), options, Ct);
        var two = await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("dedupe"), options, Ct);
        await one.WaitAsync(Timeout, Ct);

        Assert.Equal(one.Id, two.Id);
        var js = app.Connection.JetStream;
        var consumer = await js.GetConsumerAsync(app.Connection.Names.TasksStream, app.Connection.Names.ConsumerName("default"), Ct);
        Assert.Equal(1ul, consumer.Info.Delivered.ConsumerSeq);
        Assert.Equal(0ul, consumer.Info.NumPending);
        Assert.Equal(1, app.Probe.Executions("dedupe"));
    }

    [Fact]
    public async Task UnknownTask_IsDeadLetteredWithReason_AndRecordedAsFailure()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.NotRegistered, HandWrittenTasks.Value(1), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(UnknownTaskException).FullName, error.RemoteType);
        Assert.Contains("tests.not-registered", error.RemoteMessage);
        var dead = await ReadDeadLetterAsync(app);
        Assert.Equal(handle.Id, dead.Headers!["TT-Id"].ToString());
        Assert.Contains("No task named 'tests.not-registered'", dead.Headers["TT-Dead-Reason"].ToString());
        Assert.Equal("""{"value":1}""", System.Text.Encoding.UTF8.GetString(dead.Data!));
    }

    [Fact]
    public async Task UndecodableArguments_AreDeadLetteredWithReason_AndRecordedAsFailure()
    {
        await using var app = await TestApp.StartAsync(server);

        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Echo, new JsonArguments("""{"value":"not a number"}"""), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<TaskFailedException>(() => handle.GetAsync(Timeout, Ct));
        Assert.Equal(typeof(TaskArgumentException).FullName, error.RemoteType);
        Assert.Contains("argument 'value'", error.RemoteMessage);
        var dead = await ReadDeadLetterAsync(app);
        Assert.Contains("Cannot decode argument 'value' of task 'tests.echo'", dead.Headers!["TT-Dead-Reason"].ToString());
    }

    [Fact]
    public async Task NewerProtocolVersion_IsDeadLetteredNotExecuted()
    {
        await using var app = await TestApp.StartAsync(server);
        var headers = new NatsHeaders { ["TT-Protocol"] = "2", ["TT-Task"] = "tests.count", ["TT-Id"] = "from-the-future" };

        var ack = await app.Connection.JetStream.PublishAsync(app.Connection.Names.TaskSubject("default"), """{"key":"future"}"""u8.ToArray(), headers: headers, cancellationToken: Ct);
        ack.EnsureSuccess();

        var dead = await ReadDeadLetterAsync(app);
        Assert.Contains("Protocol version 2 is newer", dead.Headers!["TT-Dead-Reason"].ToString());
        // The worker dead-letters first and stores the FAILURE record after (TaskWorker.Settle.cs): wait for the record.
        var handle = app.Client.GetHandle(HandWrittenTasks.Count, "from-the-future");
        await Assert.ThrowsAsync<TaskFailedException>(() => handle.WaitAsync(Timeout, Ct));
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(TaskState.Failure, record!.State);
        Assert.Equal(0, app.Probe.Executions("future"));
    }

    [Fact]
    public async Task GracefulShutdown_RunningTaskFinishesWithinGrace_AndItsResultIsStored()
    {
        var app = await TestApp.StartAsync(server);
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("graceful"), cancellationToken: Ct);
        await app.Probe.StartedSignal("graceful").Task.WaitAsync(Timeout, Ct);

        var stopping = app.Host.StopAsync(Ct);
        Assert.False(stopping.IsCompleted);
        app.Probe.Gate("graceful").TrySetResult();
        await stopping.WaitAsync(Timeout, Ct);

        var probe = app.Probe;
        await app.DisposeAsync();
        await using var reader = await TestApp.StartAsync(server, worker: false, prefix: app.Prefix);
        var record = await reader.Client.GetHandle(HandWrittenTasks.Block, handle.Id).GetRecordAsync(Ct);
        Assert.Equal(TaskState.Success, record!.State);
        Assert.Equal(1, probe.Executions("graceful"));
    }

    /// <summary>
    /// A worker whose heartbeat the server never answers (its role lost the right to write the workers bucket: the write is
    /// refused and the publish waits for its timeout, a minute here) still takes tasks: becoming visible holds the first
    /// fetch for two seconds at most (TaskWorker.VisibleWait), not for as long as the server stays silent. Before, the
    /// task waited for the heartbeat's timeout.
    /// </summary>
    [Fact]
    public async Task AHeartbeatTheServerNeverAnswers_DoesNotHoldTheFirstTask()
    {
        await using var secured = await EditedSecuredServer.StartAsync(
            lines =>
            {
                Assert.Single(lines, l => l.Contains("\"$KV.TT_WORKERS.>\"", StringComparison.Ordinal));
                return lines.Select(l => l.Replace(", \"$KV.TT_WORKERS.>\"", string.Empty, StringComparison.Ordinal));
            },
            Ct);
        var logs = new RecentLog();
        using var host = await SecuredNatsServer.StartHostAsync(secured.WorkerSettings(("TypedTasks:PublishTimeout", "00:01:00")), worker: true, logs, waitStarted: false);
        var worker = host.Services.GetServices<IHostedService>().OfType<Worker.TaskWorker>().Single();

        var handle = await host.Services.GetRequiredService<ITaskClient>().EnqueueAsync(HandWrittenTasks.Echo, HandWrittenTasks.Value(21), cancellationToken: Ct);
        Assert.Equal(42, await handle.GetAsync(Timeout, Ct));

        // Ran while the heartbeat still waited for the server: the worker is not started (visible) yet.
        Assert.False(worker.Started.IsCompleted, "the worker's first heartbeat was answered: " + string.Join(" | ", logs.Lines));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("Heartbeat", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<INatsJSMsg<byte[]>> ReadDeadLetterAsync(TestApp app)
    {
        var js = app.Connection.JetStream;
        var consumer = await js.CreateOrderedConsumerAsync(app.Connection.Names.DeadStream, cancellationToken: Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Timeout);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: cts.Token))
        {
            return message;
        }

        throw new TimeoutException("No dead letter arrived.");
    }
}
