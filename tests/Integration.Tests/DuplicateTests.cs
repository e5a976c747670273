using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TypedTasks.Integration.Tests.Infrastructure;

namespace TypedTasks.Integration.Tests;

/// <summary>At-least-once delivery must not flip a finished result ("effectively once").</summary>
public sealed class DuplicateTests(NatsServer server) : IClassFixture<NatsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SecondMessageWithTheSameId_AfterItFinished_IsAckedWithoutRunning()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 1);
        var id = "dup-" + Guid.NewGuid().ToString("N");
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.EchoCounted, HandWrittenTasks.Value(1), new TaskOptions { TaskId = id }, Ct);
        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));

        // The same id again, past the broker's dedupe (another Nats-Msg-Id), with other arguments.
        await PublishDuplicateAsync(app, HandWrittenTasks.EchoCounted.Name, id, """{"value":50}""");
        await (await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after-duplicate"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);

        // One slot: the duplicate was decided before the task sent after it ran. The record was read before the run.
        Assert.Equal(1, app.Probe.Executions(HandWrittenTasks.EchoCounted.Name));
        var record = await handle.GetRecordAsync(Ct);
        Assert.Equal(2, record!.GetResult(TestJson.Default.Int32));
        await WaitForNoAckPendingAsync(app);
    }

    [Fact]
    public async Task SecondMessageWithTheSameId_WithCheckRecordBeforeRunOff_RunsAgain()
    {
        // The option's other side: without the read, nothing stops a used id from running again (docs/reliability.md).
        await using var app = await TestApp.StartAsync(server, workerOptions: o =>
        {
            o.Concurrency = 1;
            o.CheckRecordBeforeRun = false;
        });
        var id = "dup-unchecked-" + Guid.NewGuid().ToString("N");
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.EchoCounted, HandWrittenTasks.Value(1), new TaskOptions { TaskId = id }, Ct);
        Assert.Equal(2, await handle.GetAsync(Timeout, Ct));

        await PublishDuplicateAsync(app, HandWrittenTasks.EchoCounted.Name, id, """{"value":50}""");
        await (await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after-unchecked"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(2, app.Probe.Executions(HandWrittenTasks.EchoCounted.Name));
        await WaitForNoAckPendingAsync(app);
    }

    [Fact]
    public async Task TrackStartedTask_DeliveredAgainAfterItFinished_IsAckedWithoutRunning()
    {
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 1);
        var id = "dup-tracked-" + Guid.NewGuid().ToString("N");
        var handle = await app.Client.EnqueueAsync(HandWrittenTasks.EchoTracked, HandWrittenTasks.Value(4), new TaskOptions { TaskId = id }, Ct);
        Assert.Equal(8, await handle.GetAsync(Timeout, Ct));

        await PublishDuplicateAsync(app, HandWrittenTasks.EchoTracked.Name, id, """{"value":4}""");
        await (await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after-tracked"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(1, app.Probe.Executions(HandWrittenTasks.EchoTracked.Name));
        Assert.Equal(8, (await handle.GetRecordAsync(Ct))!.GetResult(TestJson.Default.Int32));
        await WaitForNoAckPendingAsync(app);
    }

    [Fact]
    public async Task FreshIdMarker_IsTrustedOnlyFromTheServerRunningNow()
    {
        // The client names the server it sent a task through when it made the id (TT-Fresh-Id): a first delivery from that
        // same server needs no record read. Both tasks below already have a SUCCESS record, as if they had run and a server
        // crash had lost their acks. The one sent before the restart names the old server: its record is read and it is
        // acked without running. The one sent after names the server delivering it: it runs without a read (nothing
        // earlier could have run an id made for it), and the record that was there first stays.
        await using var restartable = new NatsServer();
        await restartable.InitializeAsync();
        var prefix = TestApp.NewPrefix();
        var before = await SendWithStoredSuccessAsync(restartable, prefix, "fresh-before");

        await restartable.KillAsync();
        await restartable.StartAsync();
        var after = await SendWithStoredSuccessAsync(restartable, prefix, "fresh-after");
        Assert.NotEqual(before.Server, after.Server);

        await using var app = await TestApp.StartAsync(restartable, prefix: prefix, workerOptions: o => o.Concurrency = 1);
        await WaitForNoAckPendingAsync(app);
        await (await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after-fresh"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal(0, app.Probe.Executions("fresh-before"));
        Assert.Equal(1, app.Probe.Executions("fresh-after"));
        foreach (var id in new[] { before.Id, after.Id })
        {
            var record = await app.Client.GetHandle(HandWrittenTasks.Count, id).GetRecordAsync(Ct);
            Assert.Equal(TaskState.Success, record!.State);
            Assert.Equal("elsewhere", record.Worker);
        }
    }

    [Fact]
    public async Task SoonAfterTheWorkerConnected_TheRecordIsReadRightBeforeTheStart_NotAtFetch()
    {
        // After a server crash, another worker may store a task's outcome while its redelivery (reported by nats-server
        // 2.9 as a first delivery) already waits here for a slot. In the first minute after connecting, the read is taken
        // in the slot: a record stored between the fetch and the start keeps the task from running.
        await using var app = await TestApp.StartAsync(server, workerOptions: o => o.Concurrency = 1);
        var results = app.Host.Services.GetRequiredService<Backend.NatsResultBackend>();
        // The connection's first request sets up its reply subscription first: warm it, so that a read at fetch would be
        // answered before the record below is stored (and the test tells the two places of the read apart).
        Assert.Null(await results.GetEntryAsync("warm-up-" + Guid.NewGuid().ToString("N"), Ct));
        var gate = app.Probe.Gate("slot-read-blocker");
        var blocker = await app.Client.EnqueueAsync(HandWrittenTasks.Block, HandWrittenTasks.Key("slot-read-blocker"), cancellationToken: Ct);
        var id = "slot-read-" + Guid.NewGuid().ToString("N");
        await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("slot-read"), new TaskOptions { TaskId = id }, Ct);
        // Held by the worker itself (the server counts a message as pending before the worker has it), waiting behind the
        // blocker. A read at fetch was sent then, on the connection the write below shares, so it would be answered
        // first. Now the task finishes elsewhere.
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(Timeout);
            while (app.WorkerService.HeldCount < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), deadline.Token);
            }
        }

        var run = new Backend.TaskRun(id, HandWrittenTasks.Count.Name, 1, 0, "elsewhere", DateTimeOffset.UtcNow);
        Assert.True((await results.StoreOutcomeAsync(run, TaskState.Success, default, null, null, null, null, Ct)).Written);
        gate.TrySetResult();
        Assert.Equal("slot-read-blocker", await blocker.GetAsync(Timeout, Ct));
        await WaitForNoAckPendingAsync(app);

        Assert.Equal(0, app.Probe.Executions("slot-read"));
        Assert.Equal("elsewhere", (await app.Client.GetHandle(HandWrittenTasks.Count, id).GetRecordAsync(Ct))!.Worker);
    }

    [Fact]
    public async Task FreshIdMarker_IsNotTrusted_SoonAfterTheWorkerReconnected()
    {
        // Right after a reconnect the connection may still name the server it had before the crash, under which messages
        // sent before it would pass for fresh: for a minute, every first delivery is read. Here a message names the
        // server the worker is connected to now, and its task has a final record: it is read, and not run.
        await using var restartable = new NatsServer();
        await restartable.InitializeAsync();
        await using var app = await TestApp.StartAsync(restartable, workerOptions: o => o.Concurrency = 1);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Connection.Nats.ConnectionOpened += (_, _) =>
        {
            reconnected.TrySetResult();
            return ValueTask.CompletedTask;
        };
        await restartable.KillAsync();
        await restartable.StartAsync();
        await reconnected.Task.WaitAsync(Timeout, Ct);
        await app.Connection.Nats.PingAsync(Ct);

        var id = "reconnected-" + Guid.NewGuid().ToString("N");
        var results = app.Host.Services.GetRequiredService<Backend.NatsResultBackend>();
        var run = new Backend.TaskRun(id, HandWrittenTasks.Count.Name, 1, 0, "elsewhere", DateTimeOffset.UtcNow);
        Assert.True((await results.StoreOutcomeAsync(run, TaskState.Success, default, null, null, null, null, Ct)).Written);
        var headers = new NatsHeaders
        {
            ["TT-Protocol"] = "1",
            ["TT-Task"] = HandWrittenTasks.Count.Name,
            ["TT-Id"] = id,
            ["TT-Fresh-Id"] = app.Connection.Nats.ServerInfo!.Id[..16],
        };
        var ack = await app.Connection.JetStream.PublishAsync(
            app.Connection.Names.TaskSubject("default"),
            """{"key":"reconnected"}"""u8.ToArray(),
            headers: headers,
            opts: new NatsJSPubOpts { MsgId = id },
            cancellationToken: Ct);
        ack.EnsureSuccess();
        await (await app.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key("after-reconnected"), cancellationToken: Ct)).WaitAsync(Timeout, Ct);
        await WaitForNoAckPendingAsync(app);

        Assert.Equal(0, app.Probe.Executions("reconnected"));
        Assert.Equal(1, app.Probe.Executions("after-reconnected"));
    }

    [Fact]
    public async Task FreshIdMarker_IsSetOnlyForIdsTheClientMade_SentStraightToTheQueue_WhichCarryNoTtId()
    {
        await using var app = await TestApp.StartAsync(server, worker: false);
        var made = await app.Client.EnqueueAsync(HandWrittenTasks.EchoCounted, HandWrittenTasks.Value(1), cancellationToken: Ct);
        var given = await app.Client.EnqueueAsync(HandWrittenTasks.EchoCounted, HandWrittenTasks.Value(1), new TaskOptions { TaskId = "given-" + Guid.NewGuid().ToString("N") }, Ct);

        var stream = await app.Connection.JetStream.GetStreamAsync(app.Connection.Names.TasksStream, cancellationToken: Ct);
        var first = await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { Seq = 1 }, Ct);
        var second = await stream.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { Seq = 2 }, Ct);
        Assert.Contains("TT-Fresh-Id: " + app.Connection.Nats.ServerInfo!.Id[..16] + "\r\n", HeaderText(first), StringComparison.Ordinal);
        Assert.DoesNotContain("TT-Fresh-Id", HeaderText(second), StringComparison.Ordinal);
        // Sent straight to the queue, each names its task by Nats-Msg-Id alone (docs/protocol.md §2).
        Assert.Contains("Nats-Msg-Id: " + made.Id + "\r\n", HeaderText(first), StringComparison.Ordinal);
        Assert.Contains("Nats-Msg-Id: " + given.Id + "\r\n", HeaderText(second), StringComparison.Ordinal);
        Assert.DoesNotContain("TT-Id", HeaderText(first), StringComparison.Ordinal);
        Assert.DoesNotContain("TT-Id", HeaderText(second), StringComparison.Ordinal);

        static string HeaderText(NATS.Client.JetStream.Models.StreamMsgGetResponse response)
            => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(response.Message.Hdrs!));
    }

    /// <summary>Sends a counted task from a producer of its own, then stores SUCCESS for it as if it had run elsewhere.</summary>
    private static async Task<(string Id, string Server)> SendWithStoredSuccessAsync(NatsServer target, string prefix, string key)
    {
        await using var producer = await TestApp.StartAsync(target, worker: false, prefix: prefix);
        var handle = await producer.Client.EnqueueAsync(HandWrittenTasks.Count, HandWrittenTasks.Key(key), cancellationToken: Ct);
        var results = producer.Host.Services.GetRequiredService<Backend.NatsResultBackend>();
        var run = new Backend.TaskRun(handle.Id, HandWrittenTasks.Count.Name, 1, 0, "elsewhere", DateTimeOffset.UtcNow);
        Assert.True((await results.StoreOutcomeAsync(run, TaskState.Success, default, null, null, null, null, Ct)).Written);
        return (handle.Id, producer.Connection.Nats.ServerInfo!.Id);
    }

    /// <summary>The duplicate's ack is sent after the slot frees: wait for it rather than read the count once.</summary>
    private static async Task WaitForNoAckPendingAsync(TestApp app)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (true)
        {
            var consumer = await app.Connection.JetStream.GetConsumerAsync(app.Connection.Names.TasksStream, app.Connection.Names.ConsumerName("default"), deadline.Token);
            if (consumer.Info.NumAckPending == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    private static async Task PublishDuplicateAsync(TestApp app, string task, string id, string body)
    {
        var headers = new NatsHeaders { ["TT-Protocol"] = "1", ["TT-Task"] = task, ["TT-Id"] = id };
        var ack = await app.Connection.JetStream.PublishAsync(
            app.Connection.Names.TaskSubject("default"),
            System.Text.Encoding.UTF8.GetBytes(body),
            headers: headers,
            opts: new NATS.Client.JetStream.NatsJSPubOpts { MsgId = id + ":again" },
            cancellationToken: Ct);
        ack.EnsureSuccess();
    }
}
