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
